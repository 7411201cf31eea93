"""The configuration file (``veille.toml``): sources, topics, notifications, the store."""

from .load import (  # noqa: F401
    Config,
    SourceConfig,
    DistributedConfig,
    ListingConfig,
    Selectors,
    ConfigError,
    DEFAULT_CONFIG,
    load_config,
    parse_config,
    parse_duration,
    add_topic,
    remove_topic,
    save_topics,
    topic_block,
    redis_url_problem,
)

__all__ = ["Config", "SourceConfig", "DistributedConfig", "ListingConfig", "Selectors", "ConfigError", "DEFAULT_CONFIG", "load_config", "parse_config", "parse_duration", "add_topic", "remove_topic", "save_topics", "topic_block", "redis_url_problem"]
