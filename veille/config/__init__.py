"""The configuration file (``veille.toml``): sources, topics, notifications, the store.

:mod:`.model` (what a config is), :mod:`.load` (reading and validating it, with
``file:line`` errors), :mod:`.edit` (adding and removing topics through tomlkit, comments
kept). Source entries are core models (:mod:`veille.core.sources`), re-exported here.
"""

from veille.core.errors import ConfigError
from veille.core.sources import DEFAULT_CONFIG, ListingConfig, Selectors, SourceConfig, parse_duration

from .edit import add_topic, remove_topic, save_topics, topic_block
from .load import load_config, load_config_for, parse_config
from .model import Config, DistributedConfig, redis_url_problem

__all__ = ["Config", "SourceConfig", "DistributedConfig", "ListingConfig", "Selectors", "ConfigError",
           "DEFAULT_CONFIG", "load_config", "load_config_for", "parse_config", "parse_duration", "add_topic", "remove_topic",
           "save_topics", "topic_block", "redis_url_problem"]
