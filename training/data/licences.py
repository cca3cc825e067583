"""Per-file licences from Debian machine-readable copyright files (DEP-5)."""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Stanza:
    patterns: tuple[str, ...]
    licence: str


def parse_dep5(text: str) -> list[Stanza]:
    """Files/License pairs of a DEP-5 copyright file, in file order."""
    stanzas: list[Stanza] = []
    for block in text.split("\n\n"):
        patterns: list[str] = []
        licence = ""
        field = ""
        for line in block.splitlines():
            if not line.strip():
                continue
            if line[0] in " \t":
                if field == "Files":
                    patterns.extend(line.split())
                continue
            key, _, value = line.partition(":")
            field = key.strip()
            if field == "Files":
                patterns.extend(value.split())
            elif field == "License":
                licence = value.strip()
        if patterns and licence:
            stanzas.append(Stanza(tuple(patterns), licence))
    return stanzas


def licence_for(stanzas: list[Stanza], relpath: str) -> str | None:
    """Licence of the last stanza whose Files pattern matches `relpath` (DEP-5 rule)."""
    found = None
    for st in stanzas:
        if any(fnmatch.fnmatchcase(relpath, p) for p in st.patterns):
            found = st.licence
    return found


# Installed path prefix -> path prefix used inside the package's copyright file.
PACKAGE_PATHS: dict[str, tuple[str, str]] = {
    "hedgewars-data": ("/usr/share/games/hedgewars/", "share/hedgewars/"),
    "supertux-data": ("/usr/share/games/supertux2/", "data/"),
}


@lru_cache(maxsize=None)
def _stanzas(package: str) -> tuple[Stanza, ...]:
    path = f"/usr/share/doc/{package}/copyright"
    if not os.path.exists(path):
        return ()
    with open(path, encoding="utf-8", errors="replace") as f:
        return tuple(parse_dep5(f.read()))


def package_file_licence(package: str, installed_path: str) -> str:
    """Licence recorded for an installed file in its Debian package's copyright file."""
    stanzas = list(_stanzas(package))
    if not stanzas:
        return "unknown (no copyright file)"
    installed, upstream = PACKAGE_PATHS.get(package, ("/", ""))
    rel = installed_path
    if installed_path.startswith(installed):
        rel = upstream + installed_path[len(installed):]
    return licence_for(stanzas, rel) or "unknown"
