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
    """-c, then $PAPERTRIAGE_CONFIG, then papertriage.yaml here or in a parent folder, then the user config dir."""
    return locate_config(explicit)[0]


def locate_config(explicit: str | None) -> tuple[Path | None, str]:
    """The config a command uses, and how it was found (for `papertriage where`)."""
    if explicit:
        return Path(explicit), "-c"
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), f"${CONFIG_ENV}"
    local = _walk_up(Path.cwd())
    if local is not None:
        return local, "the first papertriage.yaml in the current folder or a parent"
    if user_config_path().is_file():
        return user_config_path(), "the user config dir"
    return None, "none found"


def _walk_up(start: Path) -> Path | None:
    """The first papertriage.yaml from start up, as git finds .git: the search stops after the home
    folder and never crosses into another filesystem."""
    home = Path.home()
    try:
        device = start.stat().st_dev
    except OSError:
        return None
    for folder in (start, *start.parents):
        try:
            if folder.stat().st_dev != device:
                return None
        except OSError:
            return None
        candidate = folder / LOCAL_CONFIG
        if candidate.is_file():
            return Path(LOCAL_CONFIG) if folder == start else candidate
        if folder == home:
            return None
    return None


class _UniqueKeyLoader:
    """Safe YAML loading that also refuses duplicate keys (a second profile of the same name)."""

    @staticmethod
    def load(text: str, where: str) -> Any:
        try:
            data = _UniqueKeyLoader._load(text, where)
        except RecursionError:
            raise ConfigError(f"{where}: nested too deeply; a config is a few levels of mappings and lists") from None
        _bounded(data, where)
        return data

    @staticmethod
    def _load(text: str, where: str) -> Any:
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
        except (ValueError, TypeError) as exc:  # a 5,000-digit number, a list as a key
            raise ConfigError(f"{where}: invalid value ({str(exc)[:100]}); fix the config") from None


MAX_CONFIG_BYTES = 1024 * 1024
"""Largest config read: a profile set is kilobytes."""
MAX_CONFIG_VALUES = 100_000
"""Most values a config may hold once its YAML aliases are expanded: an alias bomb of a few hundred
bytes expands to billions (the class of CVE-2019-11253), and would be expanded by any str() of it."""


def _bounded(data: Any, where: str) -> None:
    """Refuse a config whose values, counted with every alias expanded, pass MAX_CONFIG_VALUES;
    the count stops there, so this costs at most that many steps."""
    stack, seen = [data], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > MAX_CONFIG_VALUES:
            raise ConfigError(f"{where}: expands to more than {MAX_CONFIG_VALUES:,} values "
                              "(YAML aliases used as a bomb?); write the profiles out")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def load_config(path: Path) -> list[Profile]:
    where = str(path)
    if not path.exists():
        raise ConfigError(f"{where}: config file not found; create one with `papertriage init {where}`")
    if path.is_dir():
        raise ConfigError(f"{where}: is a directory, not a config file")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{where}: larger than {MAX_CONFIG_BYTES // 1024} KB; a config holds profiles, not data")
        text = raw.decode("utf-8-sig")
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


MAX_WEIGHT = 1e6
"""Largest weight or min_score: far above any useful one, and far from overflowing to infinity."""


def _number(value: Any, where: str, low: float, high: float | None = None) -> float:
    import math
    import reprlib

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: must be a number, got {reprlib.repr(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: must be a finite number, got {value!r}")
    if value < low or (high is not None and value > high):
        span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ConfigError(f"{where}: must be {span}, got {value!r}")
    if value > MAX_WEIGHT:  # so that no score can overflow to infinity, which JSON cannot hold
        raise ConfigError(f"{where}: must be at most {MAX_WEIGHT:g}, got {reprlib.repr(value)}")
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
    _truncation(_matchable((term.term, *term.aliases), where), where)
    return term


_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (terminal escapes start with one) and bidi overrides: never part of a name or term."""


def _showable(text: str, where: str) -> str:
    bad = _UNSHOWABLE.search(text)
    if bad:
        raise ConfigError(f"{where}: holds the control character U+{ord(bad.group()):04X}; remove it")
    return text


_SYMBOL_IN_WORD = re.compile(r"[^\W_]([+#]+)")
"""A `+` or `#` written onto a word (`C++`, `C#`, `F#`): words drop it, and what is left means another thing."""


def _matchable(texts: tuple[str, ...], where: str) -> tuple[str, ...]:
    """texts, once each holds a letter or digit: a term of symbols alone (`++`, an emoji) can never match."""
    from papertriage.matching import words

    for text in texts:
        _showable(text, where)
        if not words(text):
            raise ConfigError(f'{where}: term "{text}" has no letter or digit, so it can never match; '
                              "write it in words")
        symbol = _SYMBOL_IN_WORD.search(text)
        if symbol:
            raise ConfigError(f'{where}: term "{text}": "{symbol.group(1)}" is no part of a word, so the term would '
                              f'match "{words(text[:symbol.end()])[-1]}" alone (as `C++` would match "Vitamin C"); '
                              "write the term without symbols, or leave it out")
    return texts


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
        _showable(str(name), at)
        if not isinstance(body, dict):
            raise ConfigError(f"{at}: must be a mapping with 'terms:'")
        _unknown(body, _PROFILE_KEYS, at)
        terms = body.get("terms")
        if not isinstance(terms, list) or not terms:
            raise ConfigError(f"{at}: terms: must be a non-empty list")
        profile = Profile(
            name=str(name),
            terms=tuple(_term(t, f"{at}: terms[{i}]") for i, t in enumerate(terms)),
            description=_showable(str(body.get("description") or ""), f"{at}: description"),
            exclude=_truncation(_matchable(_strings(body.get("exclude"), f"{at}: exclude"), f"{at}: exclude"),
                                f"{at}: exclude"),
            require=_truncation(_matchable(_strings(body.get("require"), f"{at}: require"), f"{at}: require"),
                                f"{at}: require"),
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
    _matchable(tuple(t.strip() for t in terms if t.strip()), "-k")
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
