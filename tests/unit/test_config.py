"""The TOML config: a full valid file, every error with its line, and topic editing."""

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille.config import (
    Config,
    ConfigError,
    SourceConfig,
    add_topic,
    load_config,
    parse_config,
    parse_duration,
    remove_topic,
    save_topics,
)
from veille.config.edit import toml_string
from veille.topics import Topic

FULL = '''\
# veille configuration
[store]
path = "data/veille.db"

[[sources]]
name = "abamako"
spider = "abamako"
every = "30m"
args = { base_url = "http://127.0.0.1:8765", max_pages = 10 }
settings = { AUTOTHROTTLE_ENABLED = false, DOWNLOAD_DELAY = 0.5 }
timeout = "20m"

[[sources]]   # a second one, on a cron schedule
name = "acotonou"   # spider: the name (a spider the project has; a misspelled one is refused)
cron = "*/30 * * * *"

[[topics]]
name = "otan"
query = "OTAN OR NATO"

[[topics]]
name = "mali-russie"
query = 'Mali AND (Russie OR Wagner) NOT "match amical"'

[notify]
urls = [
    "json://127.0.0.1:9999/hook",   # local test hook
    "mailto://user:pass@example.org?to=a=b",
]
'''


def write(tmp_path: Path, text: str, name: str = "veille.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---------------------------------------------------------------- valid files

def test_full_valid_file(tmp_path):
    p = write(tmp_path, FULL)
    cfg = load_config(p)
    assert cfg.path == p
    assert cfg.store_path == "data/veille.db"
    assert cfg.sources == [
        SourceConfig(
            name="abamako",
            spider="abamako",
            every=dt.timedelta(minutes=30),
            cron=None,
            args={"base_url": "http://127.0.0.1:8765", "max_pages": "10"},
            settings={"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0.5},
            timeout=dt.timedelta(minutes=20),
        ),
        SourceConfig(name="acotonou", spider="acotonou", every=None, cron="*/30 * * * *"),
    ]
    assert [(t.name, t.query) for t in cfg.topics] == [
        ("otan", "OTAN OR NATO"),
        ("mali-russie", 'Mali AND (Russie OR Wagner) NOT "match amical"'),
    ]
    assert cfg.topics[1].compiled.matches("Wagner au Mali")
    assert cfg.notify_urls == ["json://127.0.0.1:9999/hook", "mailto://user:pass@example.org?to=a=b"]
    assert cfg.notify_timeout == 30.0  # the default
    assert parse_config('[notify]\nurls = []\ntimeout = "1m30s"\n').notify_timeout == 90.0
    assert cfg.source("abamako").timeout == dt.timedelta(minutes=20)
    assert cfg.topic("otan").name == "otan" and cfg.topic("nope") is None


def test_missing_default_file_is_empty_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == Config()
    assert load_config() == Config()


def test_default_file_is_read_from_cwd(tmp_path, monkeypatch):
    write(tmp_path, FULL)
    monkeypatch.chdir(tmp_path)
    assert len(load_config().sources) == 2


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "other.toml")
    assert str(e.value) == f"{tmp_path / 'other.toml'}: no such file"


def test_empty_file_is_empty_config(tmp_path):
    cfg = load_config(write(tmp_path, "# nothing yet\n"))
    assert (cfg.sources, cfg.topics, cfg.notify_urls, cfg.store_path) == ([], [], [], None)


def test_inline_array_and_subtable_forms(tmp_path):
    text = '''\
sources = [ { name = "a", spider = "abamako", every = "1h" } ]

[[topics]]
name = "t"
query = "x"

[topics.extra]
'''
    with pytest.raises(ConfigError) as e:
        parse_config(text, "f.toml")
    assert (e.value.line, "unknown key 'extra'") == (7, e.value.problem[:19])
    cfg = parse_config(text.replace("[topics.extra]\n", ""), "f.toml")
    assert cfg.sources[0].every == dt.timedelta(hours=1)


def test_sources_subtable_args(tmp_path):
    text = '''\
[[sources]]
name = "a"
every = "1h"

[sources.args]
base_url = "http://x"
n = [1]
'''
    with pytest.raises(ConfigError) as e:
        parse_config(text, "f.toml")
    assert e.value.line == 5
    assert "args.n must be a string or a number, not an array" in str(e.value)


# ---------------------------------------------------------------- durations

@pytest.mark.parametrize(
    "text, expected",
    [
        ("30m", dt.timedelta(minutes=30)),
        ("2h", dt.timedelta(hours=2)),
        ("1h30m", dt.timedelta(hours=1, minutes=30)),
        ("1h 30m", dt.timedelta(hours=1, minutes=30)),
        ("45s", dt.timedelta(seconds=45)),
        ("1d", dt.timedelta(days=1)),
        ("1d2h3m4s", dt.timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("90m", dt.timedelta(minutes=90)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", " ", "30", "m", "30x", "1m1h", "-5m", "1.5h", "30 minutes", "30M"])
def test_parse_duration_errors(text):
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration(text)


# ---------------------------------------------------------------- errors, with their lines

SRC = '''\
# header comment
[[sources]]
name = "a"
every = "1h"

[[sources]]
name = "b"
{line7}
'''


@pytest.mark.parametrize(
    "text, line, problem",
    [
        # TOML syntax error: tomllib's line, reused
        ("[[sources]]\nname = \"a\"\nevery = 30m\n", 3,
         "TOML syntax error: Expected newline or end of document after a statement (column 11)"),
        ("[[sources]]\nname = \"a\"\nname = \"b\"\n", 3, "TOML syntax error: Cannot overwrite a value (column 11)"),
        ('[[topics]]\nname = "x"\nquery = "unterminated\n', 3, None),
        # unknown keys, did-you-mean
        ("bogus = 1\n", 1, "unknown key 'bogus' in the file (known keys: sources, topics, notify, store, distributed)"),
        ("[notfy]\nurls = []\n", 1, "unknown key 'notfy' in the file (did you mean 'notify'? known keys: "
                                    "sources, topics, notify, store, distributed)"),
        (SRC.format(line7='evry = "2h"'), 8,
         "unknown key 'evry' in [[sources]] #2 (did you mean 'every'? known keys: name, spider, every, cron, "
         "args, settings, timeout, site, base_url, feeds, sitemaps, listings, article_pattern, selectors)"),
        ('[[topics]]\nname = "t"\n\nquery = "x"\nqeury = "y"\n', 5, None),
        ('[notify]\nurl = "json://x"\n', 2, "unknown key 'url' in [notify] (did you mean 'urls'? known keys: urls, mode, digest_at, timeout)"),
        ('[store]\npaht = "x"\n', 2, None),
        # wrong types
        (SRC.format(line7='every = 30'), 8, "source 'b': 'every': a duration must be a string like \"30m\", not an integer"),
        ('[[sources]]\nname = 3\nevery = "1h"\n', 2, "[[sources]] #1: 'name' must be a string, not an integer"),
        ('[[sources]]\nname = "a"\nevery = "1h"\nargs = "x=1"\n', 4, "source 'a': 'args' must be a table, not a string"),
        ('[[sources]]\nname = "a"\nevery = "1h"\nargs = { x = true }\n', 4,
         "source 'a': args.x must be a string or a number, not a boolean"),
        ('[[sources]]\nname = "a"\nevery = "1h"\n\n\nsettings = [1]\n', 6,
         "source 'a': 'settings' must be a table, not an array"),
        ('[[topics]]\nname = "t"\nquery = ["x"]\n', 3, "[[topics]] #1: 'query' must be a string, not an array"),
        ('[notify]\nurls = "json://x"\n', 2, "[notify]: 'urls' must be an array of non-empty strings"),
        ('notify = 3\n', 1, "the file: 'notify' must be a table, not an integer"),
        ('[notify]\nurls = []\ntimeout = 30\n', 3,
         "[notify]: 'timeout': a duration must be a string like \"30m\", not an integer"),
        ('[notify]\nurls = []\ntimeout = "0s"\n', 3, "[notify]: 'timeout' must be longer than zero"),
        ('[store]\npath = 1\n', 2, "[store]: 'path' must be a string, not an integer"),
        ('[sources]\nname = "a"\n', 1, "'sources' must be an array of tables: write each one under a [[sources]] header"),
        ('topics = "x"\n', 1, None),
        # schedule: both, neither, bad duration, zero, bad cron
        (SRC.format(line7='every = "2h"\ncron = "* * * * *"'), 9, "source 'b': give either 'every' or 'cron', not both"),
        (SRC.format(line7='spider = "bb"'), 6,
         "source 'b': needs a schedule: 'every = \"30m\"' or 'cron = \"*/30 * * * *\"'"),
        (SRC.format(line7='every = "2 hours"'), 8, None),
        (SRC.format(line7='every = "0m"'), 8, "source 'b': 'every' must be longer than zero"),
        (SRC.format(line7='every = "1h"\ntimeout = "soon"'), 9, None),
        (SRC.format(line7='cron = "*/30 * * *"'), 8, None),
        (SRC.format(line7='cron = "61 * * * *"'), 8, None),
        # missing names, bad names, duplicates
        ('[[sources]]\nevery = "1h"\n', 1, "[[sources]] #1 has no 'name'"),
        ('[[sources]]\nname = "a b"\nevery = "1h"\n', 2, None),
        (SRC.format(line7='').replace('name = "b"', 'name = "a"'), 7,
         "duplicate source name 'a' (first at line 3)"),
        ('[[topics]]\nname = "t"\nquery = "x"\n\n[[topics]]\n# again\nname = "t"\nquery = "y"\n', 7,
         "duplicate topic name 't' (first at line 2)"),
        ('[[topics]]\nquery = "x"\n', 1, "[[topics]] #1 has no 'name'"),
        ('[[topics]]\nname = "t"\n', 1, "[[topics]] #1 has no 'query'"),
        # a query that does not parse
        ('[[topics]]\nname = "t"\nquery = "Mali AND (Russie OR"\n', 3,
         "topic 't': bad query 'Mali AND (Russie OR': dangling operator OR at column 18: nothing after it"),
        ('[[topics]]\nname = "t"\nquery = """\nMali OR\n"""\n', 3, None),
    ],
)
def test_errors_name_the_line(tmp_path, text, line, problem):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert e.value.line == line, str(e.value)
    assert str(e.value).startswith(f"{p}:{line}: ")
    if problem is not None:
        assert e.value.problem == problem


def test_error_details(tmp_path):
    def err(text):
        with pytest.raises(ConfigError) as e:
            parse_config(text, "v.toml")
        return str(e.value)

    assert err(SRC.format(line7='cron = "61 * * * *"')).startswith("v.toml:8: source 'b': bad cron expression '61 * * * *': ")
    assert "bad duration '2 hours'" in err(SRC.format(line7='every = "2 hours"'))
    assert "did you mean 'query'?" in err('[[topics]]\nname = "t"\nquery = "x"\nqeury = "y"\n')
    assert "bad name 'a b'" in err('[[sources]]\nname = "a b"\nevery = "1h"\n')
    assert err('x = [1,\n2,,\n]').startswith("v.toml:2: TOML syntax error: ")
    assert err('[[topics]]\nname = "t"\nquery = "x').startswith("v.toml:3: TOML syntax error: ")


def test_locator_is_not_fooled_by_strings_and_arrays(tmp_path):
    text = '''\
[notify]
urls = [
  "json://h/?name=x",
  """
every = "1h"
""",
]

[[sources]]
name = "a"
# every = "wrong"
cron = "bad"
'''
    with pytest.raises(ConfigError) as e:
        parse_config(text, "f")
    assert e.value.line == 12


def test_not_utf8(tmp_path):
    p = tmp_path / "v.toml"
    p.write_bytes(b'[[topics]]\nname = "t"\nquery = "s\xe9curit\xe9"\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert e.value.line == 3 and "not UTF-8" in str(e.value)


# ---------------------------------------------------------------- editing topics

def test_add_topic_appends_and_keeps_everything(tmp_path):
    p = write(tmp_path, FULL)
    cfg = add_topic(p, Topic("flanc", '"flanc sud" OR sécur*'))
    text = p.read_text(encoding="utf-8")
    assert text.startswith(FULL)
    assert text[len(FULL):] == "\n[[topics]]\nname = 'flanc'\nquery = '\"flanc sud\" OR sécur*'\n"
    assert [t.name for t in cfg.topics] == ["otan", "mali-russie", "flanc"]
    assert [t.name for t in load_config(p).topics] == ["otan", "mali-russie", "flanc"]
    # the file was after [notify]: the new block must still be a topic, not part of [notify]
    assert load_config(p).notify_urls == parse_config(FULL).notify_urls


def test_add_topic_to_missing_or_unterminated_file(tmp_path):
    p = tmp_path / "new.toml"
    add_topic(p, Topic("a", "x"))
    assert p.read_text() == "[[topics]]\nname = 'a'\nquery = 'x'\n"
    q = write(tmp_path, '[store]\npath = "x.db"', "q.toml")  # no final newline
    add_topic(q, Topic("a", "x"))
    assert q.read_text() == "[store]\npath = \"x.db\"\n\n[[topics]]\nname = 'a'\nquery = 'x'\n"


def test_add_topic_refuses_duplicates_and_bad_files(tmp_path):
    p = write(tmp_path, FULL)
    with pytest.raises(ConfigError) as e:
        add_topic(p, Topic("otan", "x"))
    assert e.value.line == 18 and "already exists" in str(e.value)
    assert p.read_text(encoding="utf-8") == FULL
    inline = write(tmp_path, 'topics = [ { name = "a", query = "x" } ]\n', "i.toml")
    with pytest.raises(ConfigError):
        add_topic(inline, Topic("b", "y"))
    assert inline.read_text() == 'topics = [ { name = "a", query = "x" } ]\n'


def test_add_then_remove_gives_the_file_back(tmp_path):
    p = write(tmp_path, FULL)
    add_topic(p, Topic("x1", "a OR b"))
    add_topic(p, Topic("x2", "it's \"quoted \\ here\""))
    assert load_config(p).topic("x2").query == "it's \"quoted \\ here\""
    remove_topic(p, "x1")
    remove_topic(p, "x2")
    assert p.read_text(encoding="utf-8") == FULL


def test_remove_topic_keeps_comments_and_other_blocks(tmp_path):
    p = write(tmp_path, FULL)
    cfg = remove_topic(p, "otan")
    text = p.read_text(encoding="utf-8")
    assert text == FULL.replace('\n[[topics]]\nname = "otan"\nquery = "OTAN OR NATO"\n', "")
    assert "# veille configuration" in text and "# local test hook" in text
    assert [t.name for t in cfg.topics] == ["mali-russie"]
    remove_topic(p, "mali-russie")
    cfg = load_config(p)
    assert cfg.topics == [] and len(cfg.sources) == 2 and len(cfg.notify_urls) == 2


def test_remove_topic_block_with_comments_inside_and_after(tmp_path):
    text = '''\
[[topics]]
# the alliance
name = "otan"
query = """
OTAN OR NATO
"""

# --- Sahel ---
[[topics]]
name = "sahel"
query = "Sahel"
'''
    p = write(tmp_path, text)
    remove_topic(p, "otan")
    assert p.read_text() == '''\

# --- Sahel ---
[[topics]]
name = "sahel"
query = "Sahel"
'''
    remove_topic(p, "sahel")
    assert p.read_text() == "\n# --- Sahel ---\n"


def test_remove_topic_errors(tmp_path):
    p = write(tmp_path, FULL)
    with pytest.raises(ConfigError, match="no topic named 'nope'"):
        remove_topic(p, "nope")
    inline = write(tmp_path, 'topics = [ { name = "a", query = "x" } ]\n', "i.toml")
    with pytest.raises(ConfigError, match="not in a \\[\\[topics\\]\\] block"):
        remove_topic(inline, "a")
    with pytest.raises(ConfigError, match="no such file"):
        remove_topic(tmp_path / "missing.toml", "a")


def test_save_topics(tmp_path):
    p = write(tmp_path, FULL)
    cfg = save_topics(p, [Topic("otan", "OTAN OR NATO OR Alliance"), Topic("new", "x")])
    assert [(t.name, t.query) for t in cfg.topics] == [("otan", "OTAN OR NATO OR Alliance"), ("new", "x")]
    assert p.read_text(encoding="utf-8").startswith("# veille configuration\n[store]")
    assert len(load_config(p).sources) == 2


def test_edits_keep_file_mode(tmp_path):
    p = write(tmp_path, FULL)
    os.chmod(p, 0o640)
    add_topic(p, Topic("x", "y"))
    assert p.stat().st_mode & 0o777 == 0o640
    assert [f.name for f in tmp_path.iterdir()] == ["veille.toml"]  # no temp file left


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_toml_string_round_trips(s):
    assert tomllib.loads(f"v = {toml_string(s)}")["v"] == s
