"""Communes by the words of their name and province: an index, so a written address is
matched by set intersections, not by a scan of all 3,355 units for each part of it."""

from __future__ import annotations

from shared.geography import AdminMap, AdminUnit, Level, fold


class CommuneWords:
    def __init__(self, admin_map: AdminMap) -> None:
        self._by_word: dict[str, frozenset[str]] = {}
        self._units = admin_map.units
        words: dict[str, set[str]] = {}
        for unit in admin_map.units.values():
            if unit.level is Level.commune:
                for word in unit.search_key.split():
                    words.setdefault(word, set()).add(unit.code)
        self._by_word = {w: frozenset(codes) for w, codes in words.items()}

    def longest_tail(self, parts: list[str]) -> tuple[int, list[AdminUnit]]:
        """The longest tail `parts[start:]` whose words (diacritics and case aside) all occur
        in some communes' name and province, with those communes, shortest names first (the
        closest match of the words given); (len(parts), []) when even the last part names none.

        One pass from the end: a longer tail's communes are a subset of a shorter one's, so
        the work is linear in the words of the address."""
        found: tuple[int, frozenset[str]] = (len(parts), frozenset())
        common: frozenset[str] | None = None  # None: no word seen yet, every commune fits
        for start in range(len(parts) - 1, -1, -1):
            for word in set(fold(parts[start]).split()):
                codes = self._by_word.get(word, frozenset())
                common = codes if common is None else common & codes
            if common is None:
                continue
            if not common:
                break
            found = (start, common)
        hits = [self._units[c] for c in found[1]]
        hits.sort(key=lambda u: (len(u.search_key), u.code))
        return found[0], hits
