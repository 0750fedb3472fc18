"""YAML config to Profile objects, with validation errors that name the file, the profile and the key."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from papertriage.errors import ConfigError
from papertriage.models import Profile, Term

CONFIG_ENV = "PAPERTRIAGE_CONFIG"
LOCAL_CONFIG = "papertriage.yaml"
DEFAULT_THRESHOLD = 88.0
DEFAULT_FIELDS = (("title", 3.0), ("abstract", 1.0))
KNOWN_FIELDS = ("title", "abstract", "keywords")
_TOP_KEYS = {"defaults", "profiles"}
_DEFAULT_KEYS = {"threshold", "fields", "min_score"}
_PROFILE_KEYS = {"description", "terms", "exclude", "require", "min_score", "threshold", "fields", "concepts"}
_TERM_KEYS = {"term", "weight", "aliases", "exact", "partial", "fields"}
_ALIAS_KEYS = {"term", "fields"}
CONCEPTS = ("any", "all")


def user_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("papertriage")) / "config.yaml"


def find_config(explicit: str | None) -> Path | None:
    """-c, then $PAPERTRIAGE_CONFIG, then ./papertriage.yaml, then the user config dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    for candidate in (Path(LOCAL_CONFIG), user_config_path()):
        if candidate.is_file():
            return candidate
    return None


class _UniqueKeyLoader:
    """Safe YAML loading that also refuses duplicate keys (a second profile of the same name)."""

    @staticmethod
    def load(text: str, where: str) -> Any:
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        def construct_mapping(loader: Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = loader.construct_object(key_node, deep=deep)
                if key in seen:
                    raise ConfigError(
                        f"{where}: line {key_node.start_mark.line + 1}: duplicate key {key!r}; "
                        "each key (and profile name) may appear once")
                seen.add(key)
            return loader.construct_mapping(node, deep=deep)

        Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
        try:
            return yaml.load(text, Loader=Loader)  # noqa: S506 - Loader derives from SafeLoader
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}:" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"{where}:{line} invalid YAML ({problem}); fix the syntax") from None


def load_config(path: Path) -> list[Profile]:
    where = str(path)
    if not path.exists():
        raise ConfigError(f"{where}: config file not found; create one with `papertriage init {where}`")
    if path.is_dir():
        raise ConfigError(f"{where}: is a directory, not a config file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read config ({exc}); save it as UTF-8 text") from None
    try:
        return profiles_from_data(_UniqueKeyLoader.load(text, where), where)
    except ConfigError as exc:
        raise ConfigError(_with_line(str(exc), text, where)) from None


def _with_line(message: str, text: str, where: str) -> str:
    """Add the line of the offending key to a validation message that names it, when it can be found."""
    if not message.startswith(where + ": ") or message[len(where) + 2:].startswith("line "):
        return message
    keys = re.findall(r"'([^']+)'", message) + re.findall(r"(?:: |\.)([A-Za-z_]+)(?:\[\d+\])?: ", message)
    profile = re.search(r"profile '([^']+)'", message)
    start = 0
    if profile:
        m = re.search(rf"^\s*['\"]?{re.escape(profile.group(1))}['\"]?\s*:", text, re.M)
        start = m.start() if m else 0
    value = re.search(r'term "([^"]+)"', message)  # a term's own text: its line is where it is written
    if value:
        m = re.compile(rf"(?<![\w*]){re.escape(value.group(1))}(?![\w*])").search(text, start)
        if m:
            return f"{where}: line {text.count(chr(10), 0, m.start()) + 1}: {message[len(where) + 2:]}"
    for key in reversed(keys):
        if profile and key == profile.group(1):
            continue
        m = re.compile(rf"(?:^|[\s{{,])['\"]?{re.escape(key)}['\"]?\s*:", re.M).search(text, start)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            return f"{where}: line {line}: {message[len(where) + 2:]}"
    return message


def _number(value: Any, where: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ConfigError(f"{where}: must be {span}, got {value!r}")
    return float(value)


def _unknown(data: dict[str, Any], known: set[str], where: str) -> None:
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; expected one of {', '.join(sorted(known))}")


def _fields(value: Any, where: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{where}: must map field names to weights, e.g. {{title: 3, abstract: 1}}")
    out = []
    for name, weight in value.items():
        if name not in KNOWN_FIELDS:
            raise ConfigError(f"{where}: unknown field {name!r}; use {' or '.join(KNOWN_FIELDS)}")
        out.append((str(name), _number(weight, f"{where}.{name}", 0)))
    return tuple(out)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and str(v).strip() for v in value):
        raise ConfigError(f"{where}: must be a list of words or phrases")
    return tuple(str(v) for v in value)


def _field_names(value: Any, where: str) -> tuple[str, ...]:
    """A term's `fields:`, the fields it is looked for in (a list of field names)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: must be a list of field names, e.g. [title, abstract]")
    for name in value:
        if name not in KNOWN_FIELDS:
            raise ConfigError(f"{where}: unknown field {name!r}; use {' or '.join(KNOWN_FIELDS)}")
    return tuple(dict.fromkeys(value))


def _aliases(value: Any, where: str, scope: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The aliases and each one's fields: a phrase (the term's fields) or {term: ..., fields: [...]}."""
    if value is None:
        return (), ()
    items = [value] if isinstance(value, (str, dict)) else value
    if not isinstance(items, list):
        raise ConfigError(f"{where}: must be a list of words or phrases")
    texts: list[str] = []
    scopes: list[tuple[str, ...]] = []
    for k, item in enumerate(items):
        if isinstance(item, dict):
            _unknown(item, _ALIAS_KEYS, f"{where}[{k}]")
            raw = item.get("term")
            if not isinstance(raw, (str, int, float)) or isinstance(raw, bool) or not str(raw).strip():
                raise ConfigError(f"{where}[{k}].term: missing or empty")
            texts.append(str(raw).strip())
            scopes.append(_field_names(item["fields"], f"{where}[{k}].fields") if "fields" in item else scope)
        else:
            texts.append(_strings([item], where)[0])
            scopes.append(scope)
    return tuple(texts), tuple(scopes)


def _truncation(texts: tuple[str, ...], where: str) -> tuple[str, ...]:
    """texts, once each truncation in them is one matching allows (see matching.truncation_problem)."""
    from papertriage.matching import truncation_problem

    for text in texts:
        problem = truncation_problem(text)
        if problem:
            raise ConfigError(f'{where}: term "{text}": {problem}')
    return texts


def _term(item: Any, where: str) -> Term:
    term = _read_term(item, where)
    _truncation((term.term, *term.aliases), where)
    return term


def _read_term(item: Any, where: str) -> Term:
    if isinstance(item, (str, int, float)) and not isinstance(item, bool):
        text = str(item).strip()
        if not text:
            raise ConfigError(f"{where}: empty term")
        return Term(text)
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: a term is a phrase or a mapping with 'term:'")
    _unknown(item, _TERM_KEYS, where)
    raw = item.get("term")
    if not isinstance(raw, (str, int, float)) or not str(raw).strip():
        raise ConfigError(f"{where}.term: missing or empty")
    text = str(raw)
    exact = item.get("exact", False)
    if not isinstance(exact, bool):
        raise ConfigError(f"{where}.exact: must be true or false")
    partial = item.get("partial", True)
    if not isinstance(partial, bool):
        raise ConfigError(f"{where}.partial: must be true or false")
    scope = _field_names(item["fields"], f"{where}.fields") if "fields" in item else ()
    aliases, alias_scopes = _aliases(item.get("aliases"), f"{where}.aliases", scope)
    scopes = (scope, *alias_scopes)
    return Term(
        str(text).strip(),
        _number(item.get("weight", 1), f"{where}.weight", 0),
        aliases,
        exact,
        partial=partial,
        scopes=scopes if any(scopes) else (),
    )


def profiles_from_data(data: Any, where: str) -> list[Profile]:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a config is a mapping with 'profiles:' (see config.example.yaml)")
    _unknown(data, _TOP_KEYS, where)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(f"{where}: defaults: must be a mapping")
    _unknown(defaults, _DEFAULT_KEYS, f"{where}: defaults")
    threshold = _number(defaults.get("threshold", DEFAULT_THRESHOLD), f"{where}: defaults.threshold", 0, 100)
    fields = _fields(defaults["fields"], f"{where}: defaults.fields") if "fields" in defaults else DEFAULT_FIELDS
    min_score = _number(defaults.get("min_score", 0), f"{where}: defaults.min_score", 0)
    raw = data.get("profiles")
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{where}: 'profiles:' must map at least one profile name to its terms")
    profiles = []
    for name, body in raw.items():
        at = f"{where}: profile {name!r}"
        if not isinstance(body, dict):
            raise ConfigError(f"{at}: must be a mapping with 'terms:'")
        _unknown(body, _PROFILE_KEYS, at)
        terms = body.get("terms")
        if not isinstance(terms, list) or not terms:
            raise ConfigError(f"{at}: terms: must be a non-empty list")
        profile = Profile(
            name=str(name),
            terms=tuple(_term(t, f"{at}: terms[{i}]") for i, t in enumerate(terms)),
            description=str(body.get("description") or ""),
            exclude=_truncation(_strings(body.get("exclude"), f"{at}: exclude"), f"{at}: exclude"),
            require=_truncation(_strings(body.get("require"), f"{at}: require"), f"{at}: require"),
            min_score=_number(body.get("min_score", min_score), f"{at}: min_score", 0),
            threshold=_number(body.get("threshold", threshold), f"{at}: threshold", 0, 100),
            fields=_fields(body["fields"], f"{at}: fields") if "fields" in body else fields,
            concepts=_concepts(body.get("concepts", "any"), f"{at}: concepts"),
        )
        _check_scopes(profile, at)
        profiles.append(profile)
    return profiles


def _check_scopes(profile: Profile, at: str) -> None:
    """A term looked for in a field the profile does not score would never match."""
    scored = {name for name, _ in profile.fields}
    for i, t in enumerate(profile.terms):
        for scope in t.scopes:
            missing = [f for f in scope if f not in scored]
            if missing:
                raise ConfigError(f"{at}: terms[{i}].fields: {missing[0]!r} is not among the profile's fields "
                                  f"({', '.join(sorted(scored))}); add it to fields: with a weight")


def _concepts(value: Any, where: str) -> str:
    if value not in CONCEPTS:
        raise ConfigError(f"{where}: must be 'any' or 'all' (all: the terms are concepts joined by AND), got {value!r}")
    return str(value)


def adhoc_profile(terms: list[str], threshold: float = DEFAULT_THRESHOLD) -> Profile:
    """The profile `-k TERM` builds: each term weight 1, default fields."""
    return Profile(name="keywords", terms=tuple(Term(t.strip()) for t in terms if t.strip()), threshold=threshold)


def select_profiles(profiles: list[Profile], names: list[str], where: str) -> list[Profile]:
    if not names:
        return profiles
    by_name = {p.name: p for p in profiles}
    for name in names:
        if name not in by_name:
            raise ConfigError(f"{where}: no profile named {name!r}; it has: {', '.join(by_name)}")
    return [by_name[n] for n in names]


def resolve_profiles(config: str | None, names: list[str], keywords: list[str],
                     threshold: float | None) -> list[Profile]:
    """The profiles a command uses: the config's (all or those named), plus an ad-hoc one from -k terms.

    With -k and neither -c nor -p, no config is needed. threshold overrides every profile's.
    """
    from dataclasses import replace

    if threshold is not None and not 0 <= threshold <= 100:
        raise ConfigError(f"--threshold must be between 0 and 100, got {threshold:g}")
    adhoc = [adhoc_profile(keywords, threshold if threshold is not None else DEFAULT_THRESHOLD)] if keywords else []
    if adhoc and not config and not names:
        return adhoc
    path = find_config(config)
    if path is None:
        raise ConfigError(
            "no config found (-c, $PAPERTRIAGE_CONFIG, ./papertriage.yaml or the user config dir); "
            "create one with `papertriage init`, or rank with ad-hoc terms: -k TERM")
    profiles = select_profiles(load_config(path), names, str(path))
    if threshold is not None:
        profiles = [replace(p, threshold=threshold) for p in profiles]
    return profiles + adhoc
