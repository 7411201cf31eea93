"""Topic queries: parser, matcher, canonical form, FTS5 translation."""

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille.topics import (
    MAX_DEPTH,
    And,
    Match,
    Not,
    Or,
    Query,
    QueryError,
    Term,
    TextIndex,
    Topic,
    TopicError,
    parse_query,
    tokens,
)


def m(query: str, text: str) -> bool:
    return parse_query(query).matches(text)


def terms(query: str, text: str) -> list[str] | None:
    r = parse_query(query).match(text)
    return None if r is None else r.terms


# ---------------------------------------------------------------- normalizer

def test_tokens_split_and_fold():
    assert tokens("L′OTAN, l'OTAN et l’OTAN") == ["l", "otan", "l", "otan", "et", "l", "otan"]
    assert tokens("Moyen-Orient") == ["moyen", "orient"]
    assert tokens("Sécurité ÉTÉ Ça garçon") == ["securite", "ete", "ca", "garcon"]
    assert tokens("foo_bar 2022-06 G5\u00a0Sahel") == ["foo", "bar", "2022", "06", "g5", "sahel"]
    assert tokens("") == [] and tokens(" -- ! ") == []


def test_tokens_decomposed_input_and_compatibility_forms():
    assert tokens("se\u0301curite\u0301") == ["securite"]  # combining acute accents
    assert tokens("ﬁn İstanbul") == ["fin", "istanbul"]


# ---------------------------------------------------------------- the examples of the spec

TEXT = "Le Mali et la Russie: le groupe Wagner au Sahel. L′OTAN renforce son flanc sud."


def test_or():
    assert m("OTAN OR NATO", TEXT)
    assert m("NATO OR OTAN", TEXT)
    assert not m("NATO OR Alliance", TEXT)


def test_and_with_parentheses():
    assert m("Mali AND (Russie OR Wagner)", TEXT)
    assert m("Mali AND (Chine OR Wagner)", TEXT)
    assert not m("Mali AND (Chine OR Inde)", TEXT)
    assert not m("Niger AND (Russie OR Wagner)", TEXT)


def test_case_and_accents_both_ways():
    assert m("otan", "L'OTAN dit") and m("OTAN", "l'otan dit")
    assert m("securite", "la sécurité") and m("sécurité", "la securite")
    assert m("SÉCURITÉ", "la Securite") and m("Sécurité", "LA SÉCURITÉ")
    assert m("otan", "L′OTAN") and m("otan", "l’OTAN")
    assert not m("ota", "L'OTAN")  # whole words only


def test_phrase_is_consecutive_words():
    assert m('"flanc sud"', TEXT)
    assert m('"Flanc Sud"', "le FLANC-SUD de l'alliance")
    assert not m('"flanc sud"', "le flanc est, et le sud")
    assert m("flanc sud", "le flanc est, et le sud")  # words apart: implicit AND
    assert not m('"sud flanc"', TEXT)


def test_hyphenated_and_apostrophe_words_are_phrases():
    assert m('"Moyen-Orient"', "au Moyen-Orient") and m("Moyen-Orient", "au moyen orient")
    assert m('"Moyen-Orient"', "au Moyen Orient")
    assert not m("Moyen-Orient", "le moyen terme, en Orient")
    assert m("l'OTAN", "L′OTAN") and not m("l'OTAN", "l alliance, OTAN")


def test_not_binary_and_unary():
    assert not m("Mali NOT Wagner", TEXT)
    assert m("Mali NOT Chine", TEXT)
    assert m("NOT Chine", TEXT) and not m("NOT Mali", TEXT)
    assert m("Mali AND NOT Chine", TEXT)
    assert m("NOT NOT Mali", TEXT)


def test_implicit_and():
    assert parse_query("Mali Russie") == parse_query("Mali AND Russie")
    assert m("Mali Russie", TEXT) and not m("Mali Chine", TEXT)
    assert parse_query("Mali (Russie OR Chine)") == parse_query("Mali AND (Russie OR Chine)")


def test_precedence_not_and_or():
    # a OR b AND c == a OR (b AND c)
    assert parse_query("a OR b AND c") == parse_query("a OR (b AND c)")
    assert m("Chine OR Mali AND Russie", TEXT)
    assert not m("(Chine OR Inde) AND Russie", TEXT)
    assert m("Chine OR Inde AND Russie OR Mali", TEXT)
    # NOT a OR b == (NOT a) OR b
    assert parse_query("NOT a OR b") == parse_query("(NOT a) OR b")
    assert m("NOT Mali OR Russie", TEXT)
    assert not m("NOT (Mali OR Chine)", TEXT)
    # NOT a AND b == (NOT a) AND b
    assert parse_query("NOT a AND b") == Query(And((Not(parse_query("a").root), parse_query("b").root)))


def test_nesting():
    q = "((Mali OR Niger) AND (Wagner OR (Russie AND NOT Chine))) OR Tchad"
    assert m(q, TEXT)
    assert not m(q, "Le Niger et la Chine, la Russie")
    assert m(q, "Le Niger et la Russie")
    assert m(q, "Tchad")


def test_wildcard_prefix():
    assert m("sécur*", "la sécurité") and m("secur*", "SÉCURITAIRE") and m("Sécur*", "securite")
    assert not m("sécur*", "l'insécurité")  # prefix, not infix
    assert m('"flanc s"*', TEXT) and not m('"flanc n"*', TEXT)
    assert m("l'OT*", "L′OTAN")
    assert m("Mali AND wag*", TEXT)


def test_lowercase_operators_are_words():
    assert str(parse_query("Mali and Russie")) == "Mali AND and AND Russie"
    assert parse_query("Mali and Russie").to_fts5() == '"mali" AND "and" AND "russie"'
    assert not m("Mali or Chine", TEXT)  # needs the word "or"
    assert m("Mali or Chine", "Mali or Chine")
    assert parse_query("Mali and Russie").warnings
    assert not parse_query("Mali AND Russie").warnings
    assert not parse_query('"rock and roll"').warnings


def test_match_terms():
    assert terms("Mali AND (Russie OR Wagner)", TEXT) == ["Mali", "Russie", "Wagner"]
    assert terms("Mali AND (Russie OR Chine)", TEXT) == ["Mali", "Russie"]
    assert terms("Tchad OR Mali", TEXT) == ["Mali"]
    assert terms('"flanc sud" OR sécur*', TEXT) == ['"flanc sud"']
    assert terms("Mali NOT Chine", TEXT) == ["Mali"]
    assert terms("NOT Chine", TEXT) == []
    assert terms("Mali AND Chine", TEXT) is None
    # a term inside a false AND contributes nothing even if it is present
    assert terms("(Mali AND Chine) OR Wagner", TEXT) == ["Wagner"]
    # a term under NOT never counts
    assert terms("Mali AND NOT (Chine AND Russie)", TEXT) == ["Mali"]
    r = parse_query("NOT Chine").match(TEXT)
    assert isinstance(r, Match) and r  # truthy even without terms


def test_match_index_reuses_one_tokenization():
    idx = TextIndex(TEXT)
    q = parse_query("Mali AND wag*")
    assert q.match_index(idx) == q.match(TEXT) == Match(["Mali", "wag*"])
    assert q.matches(idx) and q.matches_index(idx)


def test_canonical_form():
    assert str(parse_query("Mali Russie")) == "Mali AND Russie"
    assert str(parse_query("  a   OR b c  ")) == "a OR b AND c"
    assert str(parse_query("(a OR b) c")) == "(a OR b) AND c"
    assert str(parse_query("((a))")) == "a"
    assert str(parse_query("a AND (b AND c)")) == "a AND b AND c"
    assert str(parse_query("Mali NOT Wagner")) == "Mali AND NOT Wagner"
    assert str(parse_query("NOT (a OR b)")) == "NOT (a OR b)"
    assert str(parse_query('"flanc  sud" OR sécur*')) == '"flanc  sud" OR sécur*'
    for q in ["a OR b AND c", "(a OR b) AND NOT (c OR d)", 'NOT NOT "x y"*', "l'OTAN (x OR y)"]:
        assert parse_query(str(parse_query(q))) == parse_query(q)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize(
    "query, column, message",
    [
        ("", None, "empty query"),
        ("   ", None, "empty query"),
        ("(Mali OR Niger", 1, "unbalanced parenthesis: the '(' at column 1 is never closed"),
        ("Mali) OR Niger", 5, "unbalanced parenthesis: the ')' at column 5 has no matching '('"),
        ("(a (b)", 1, "unbalanced parenthesis: the '(' at column 1 is never closed"),
        ("Mali OR", 6, "dangling operator OR at column 6: nothing after it"),
        ("AND Mali", 1, "dangling operator AND at column 1: nothing before it"),
        ("Mali NOT", 6, "dangling operator NOT at column 6: nothing after it"),
        ("(Mali AND) x", 7, "dangling operator AND at column 7: nothing after it before ')'"),
        ("Mali AND OR Niger", 10, "operator OR at column 10 right after operator AND"),
        ('Mali "flanc sud', 6, "unterminated quote: the '\"' at column 6 is never closed"),
        ('Mali ""', 6, "empty phrase at column 6"),
        ('Mali " - "', 6, "empty phrase at column 6"),
        ("Mali ()", 6, "empty parentheses at column 6"),
        ("Mali - Wagner", 6, "term '-' at column 6 has no letter or digit"),
        ("sé*cur", 3, "'*' at column 3 is only allowed at the end of a word (in 'sé*cur')"),
        ("Mali *", 6, "lone '*' at column 6: a wildcard ends a word, as in sécur*"),
        ('"flanc s*"', 1, "'*' inside the phrase at column 1; put it after the closing quote"),
    ],
)
def test_query_errors(query, column, message):
    with pytest.raises(QueryError) as e:
        parse_query(query)
    assert str(e.value) == message
    assert e.value.column == column


# ---------------------------------------------------------------- nesting (issue 10 §6)

@pytest.mark.parametrize("query", [
    "(" * 300 + "Mali" + ")" * 300,
    "NOT " * 1200 + "Mali",
    "(" * 300 + "Mali",  # unbalanced too: the depth is what is said first
    "Mali AND " + "(NOT " * 200 + "Wagner" + ")" * 200,
    "(" * 100_000 + "x" + ")" * 100_000,
])
def test_deep_nesting_is_a_query_error_not_a_recursion_error(query):
    with pytest.raises(QueryError) as e:
        parse_query(query)
    assert "nested too deeply" in str(e.value)
    assert f"at most {MAX_DEPTH}" in str(e.value)
    assert e.value.column is not None and 1 <= e.value.column <= len(query)


def test_nesting_up_to_the_limit_parses_matches_renders_and_translates():
    """Everything that walks the tree (matching, the canonical form, FTS5) works at the
    deepest query the parser accepts, even with little stack to spare."""
    import sys

    # a OR (b AND (c OR (d AND ... (Mali OR Niger)))): a tree as deep as the parentheses
    deep_parens = "Mali"
    for i in range(MAX_DEPTH):
        deep_parens = f"w{i} {'OR' if i % 2 else 'AND'} ({deep_parens})"
    deep_not = "Mali AND " + "NOT " * (MAX_DEPTH - 1) + "Wagner"
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        for query in (deep_parens, deep_not):
            q = parse_query(query)
            assert parse_query(str(q)) == q
            q.matches("Le Mali et le Niger")
            q.to_fts5()
    finally:
        sys.setrecursionlimit(old)
    assert m(deep_parens, "w49 seul")
    assert m(deep_parens, " ".join(f"w{i}" for i in range(0, MAX_DEPTH, 2)) + " Mali")
    assert not m(deep_parens, " ".join(f"w{i}" for i in range(0, MAX_DEPTH, 2)))
    # MAX_DEPTH - 1 NOT in a row: an odd number is one NOT, an even number none
    odd = (MAX_DEPTH - 1) % 2 == 1
    assert m(deep_not, "Mali") == odd and m(deep_not, "Mali et Wagner") == (not odd)


def test_long_flat_queries_are_not_limited():
    q = parse_query(" OR ".join(f"mot{i}" for i in range(5000)))
    assert q.matches("le mot4999 est là")


# ---------------------------------------------------------------- Topic

def test_topic():
    t = Topic("otan", "OTAN OR NATO")
    assert t.compiled == parse_query("OTAN OR NATO")
    assert t.match("l'OTAN").terms == ["OTAN"]
    assert Topic("sahel-sécurité_2.0", "x").name == "sahel-sécurité_2.0"
    for bad in ["", " otan", "otan rouge", "-x", "a/b", "x" * 65, "_x"]:
        with pytest.raises(TopicError):
            Topic(bad, "x")
    with pytest.raises(TopicError):
        Topic(3, "x")  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        Topic("otan", "OTAN OR")


# ---------------------------------------------------------------- FTS5 translation

FTS_TEXTS = [
    TEXT,
    "Le Niger et la Chine, la Russie. Sécurité au Moyen-Orient.",
    "NATO summit: the flanc est and the south. L'OTAN absente.",
    "Rien à voir: météo, football, sécuritaire.",
    "Wagner au Mali; Mali sans Russie. Tchad.",
]

FTS_QUERIES = [
    "OTAN OR NATO",
    "Mali AND (Russie OR Wagner)",
    '"flanc sud"',
    "Mali NOT Wagner",
    "Mali Russie",
    "sécur*",
    "Moyen-Orient",
    "l'OTAN",
    '"flanc s"*',
    "(Mali OR Niger) NOT (Chine OR Tchad)",
    "Mali AND NOT NOT Russie",
    "NOT NOT Mali",
    "Mali NOT (Wagner NOT Tchad)",
    "Tchad OR Niger AND Chine",
    "securite OR SECURITAIRE",
]


def fts_db(texts):
    db = sqlite3.connect(":memory:")
    db.execute('CREATE VIRTUAL TABLE t USING fts5(text, tokenize="unicode61 remove_diacritics 2")')
    db.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", list(enumerate(texts)))
    return db


def fts_hits(db, expr):
    return {r for (r,) in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (expr,))}


@pytest.mark.parametrize("query", FTS_QUERIES)
def test_to_fts5_agrees_with_match(query):
    db = fts_db(FTS_TEXTS)
    q = parse_query(query)
    expr = q.to_fts5()
    assert expr is not None
    assert fts_hits(db, expr) == {i for i, t in enumerate(FTS_TEXTS) if q.matches(t)}


def test_to_fts5_output():
    assert parse_query("OTAN OR NATO").to_fts5() == '"otan" OR "nato"'
    assert parse_query("Mali NOT Wagner").to_fts5() == '"mali" NOT "wagner"'
    assert parse_query('Sécurité "flanc sud" l\'OTAN').to_fts5() == '"securite" AND "flanc sud" AND "l otan"'
    assert parse_query("sécur*").to_fts5() == '"secur"*'
    assert parse_query("(a OR b) NOT c NOT d").to_fts5() == '("a" OR "b") NOT "c" NOT "d"'
    assert parse_query("a b NOT c").to_fts5() == '("a" AND "b") NOT "c"'
    assert parse_query("AND_x").to_fts5() == '"and x"'


@pytest.mark.parametrize("query", ["NOT Wagner", "Mali OR NOT Wagner", "NOT a NOT b", "NOT NOT NOT a"])
def test_to_fts5_unary_not_is_none(query):
    assert parse_query(query).to_fts5() is None


# ---------------------------------------------------------------- properties

VOCAB = ["mali", "Russie", "sécurité", "otan", "sud"]


def _term():
    word = st.sampled_from(VOCAB)
    return st.one_of(
        word,
        st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
        word.map(lambda w: w[:2] + "*"),
    )


def _expr():
    return st.recursive(
        _term(),
        lambda sub: st.one_of(
            st.tuples(sub, sub).map(lambda p: f"({p[0]} OR {p[1]})"),
            st.tuples(sub, sub).map(lambda p: f"({p[0]} AND {p[1]})"),
            st.tuples(sub, sub).map(lambda p: f"({p[0]} {p[1]})"),
            sub.map(lambda a: f"(NOT {a})"),
        ),
        max_leaves=6,
    )


_TEXT_WORDS = ["Mali", "MALI", "russie", "securite", "SÉCURITÉ", "l'OTAN", "sud", "Sud-Est", "et", "la"]
texts = st.lists(st.sampled_from(_TEXT_WORDS), max_size=12).map(" ".join)


def _reference(q: str, text: str) -> bool:
    """Independent evaluator: the tree by the standard grammar, terms by brute force."""
    toks = tokens(text)

    def term(t: Term) -> bool:
        n = len(t.words)
        for i in range(len(toks) - n + 1):
            window = toks[i : i + n]
            if t.prefix:
                if window[:-1] == list(t.words[:-1]) and window[-1].startswith(t.words[-1]):
                    return True
            elif window == list(t.words):
                return True
        return False

    def ev(node) -> bool:
        if isinstance(node, Term):
            return term(node)
        if isinstance(node, Not):
            return not ev(node.child)
        if isinstance(node, And):
            return all(ev(c) for c in node.children)
        assert isinstance(node, Or)
        return any(ev(c) for c in node.children)

    return ev(parse_query(q).root)


@settings(max_examples=300, deadline=None)
@given(_expr(), _expr(), texts)
def test_property_boolean_algebra(a, b, text):
    A, B = m(a, text), m(b, text)
    assert m(f"{a} OR {b}", text) == (A or B)
    assert m(f"{a} AND {b}", text) == (A and B)
    assert m(f"{a} {b}", text) == (A and B)
    assert m(f"NOT {a}", text) == (not A)
    assert m(f"{a} NOT {b}", text) == (A and not B)
    assert A == _reference(a, text)
    # canonical form round-trips and means the same
    qa = parse_query(a)
    assert parse_query(str(qa)) == qa
    # terms of a match are all present positively
    r = qa.match(text)
    assert (r is not None) == A
    if r is not None:
        for t in r.terms:
            assert m(t, text)


@settings(max_examples=150, deadline=None)
@given(st.lists(_expr(), min_size=1, max_size=4), st.lists(texts, min_size=1, max_size=5))
def test_property_fts5_agrees(queries, docs):
    db = fts_db(docs)
    for q in queries:
        pq = parse_query(q)
        expr = pq.to_fts5()
        if expr is None:
            continue
        assert fts_hits(db, expr) == {i for i, t in enumerate(docs) if pq.matches(t)}, (q, expr)
