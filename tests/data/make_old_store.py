"""Make ``store_v1.db`` and ``store_v2.db``: small stores written by veille as it was before
issue 14, for the migration tests (``tests/unit/test_migration.py``): schema version 1 (the
main of c10de79) and schema version 2 (the main of 683caaa, issue 12's ``flags.backfill``).

    git archive c10de79 | tar -x -C /tmp/v1 && \\
    PYTHONPATH=/tmp/v1 .venv/bin/python tests/data/make_old_store.py tests/data/store_v1.db
    git archive 683caaa | tar -x -C /tmp/v2 && \\
    PYTHONPATH=/tmp/v2 .venv/bin/python tests/data/make_old_store.py tests/data/store_v2.db

Run with the code of that commit on the path (not this checkout's). The store has: new
articles, updates (with the old diffs: three lines of context), a text at two URLs, a
headline at two URLs with other texts, texts with soft hyphens, zero-width spaces, œ and ı
(stored as they were then: the writer kept invisible characters), topics and their flags,
stories with the MinHash signatures of that version (128 × uint32); version 2 also a flag
of ``veille topics backfill`` (``backfill`` = 1).
"""

import sqlite3
import sys

from storage import Store
from veille.core.textformat import TextParts, write
from veille.monitor.flags import backfill, flag_crawl, sync_topics
from veille.topics import Topic

TOPICS = [Topic("otan", "OTAN OR NATO"), Topic("securite", "sécurité"), Topic("mali", "Mali")]
BODY = ["Le gouvernement du Mali a annoncé mardi la signature d'un accord de coopération avec"
        " plusieurs pays voisins pour renforcer la sécu\u00adrité des frontières dans le Sahel.",
        "Selon le ministre, cet accord prévoit des patrouilles communes, un échange régulier de"
        " renseignements et la formation de cinq cents gendarmes au cœur de la région.",
        "Des manœuvres militaires de l'O\u200bTAN ont eu lieu près de Diyarbakır la semaine"
        " dernière, a rappelé un diplomate en marge de la réunion de Bamako."]


def text(headline, paras, month="2024-03"):
    return write(TextParts(month, f"{headline} - x.test", headline,
                           "Publié le lundi 4 mars 2024 | Test", "", paras))


def main(path):
    store = Store(path)
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    assert version in (1, 2)
    sync_topics(store, TOPICS)
    c = store.start_crawl("abamako", spider="abamako")
    items = [{"url": f"https://a.test/{i}.html", "source": "abamako", "headline": h, "title": f"{h} - x.test",
              "text": text(h, p), "published": "2024-03-04"}
             for i, (h, p) in enumerate([
                 ("Accord de sécurité", BODY),
                 ("Coton : une bonne récolte", ["La récolte de coton devrait dépasser les prévisions.",
                                                "Les producteurs demandent une hausse du prix."]),
                 ("Réunion à Niamey", ["Les ministres se sont réunis à Niamey.", "Rien n'a été signé."]),
                 ("Grève des enseignants", ["Les enseignants sont en grève depuis lundi."]),
             ])]
    store.save_batch(c, items)
    store.finish_crawl(c)
    flag_crawl(store, c, TOPICS)
    c = store.start_crawl("acotonou", spider="acotonou")
    store.save_batch(c, [
        {"url": "https://b.test/1.html", "source": "acotonou", "headline": "Accord de sécurité",
         "title": "Accord de sécurité - x.test", "text": text("Accord de sécurité", BODY)},
        {"url": "https://b.test/2.html", "source": "acotonou", "headline": "Grève des enseignants",
         "title": "Grève des enseignants - x.test",
         "text": text("Grève des enseignants", ["Un autre texte sur la grève, au Bénin."])},
    ])
    store.finish_crawl(c)
    flag_crawl(store, c, TOPICS)
    c = store.start_crawl("abamako", spider="abamako")
    store.save_batch(c, [
        {"url": "https://a.test/1.html", "source": "abamako", "headline": "Coton : une bonne récolte",
         "title": "Coton : une bonne récolte - x.test",
         "text": text("Coton : une bonne récolte", ["La récolte de coton devrait dépasser les prévisions.",
                                                    "Mise à jour : l'OTAN n'a rien à voir avec le coton.",
                                                    "Les producteurs demandent une hausse du prix."])},
        {"url": "https://a.test/2.html", "source": "abamako", "headline": "Réunion à Niamey",
         "title": "Réunion à Niamey - x.test",
         "text": text("Réunion à Niamey", ["Les ministres se sont réunis à Niamey jeudi.",
                                            "Rien n'a été signé."])},
    ])
    store.finish_crawl(c)
    flag_crawl(store, c, TOPICS)
    if version >= 2:  # a topic added later, flagged on what is stored
        assert backfill(store, Topic("coton", "coton"))
    store.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("VACUUM")
    con.close()


if __name__ == "__main__":
    main(sys.argv[1])
