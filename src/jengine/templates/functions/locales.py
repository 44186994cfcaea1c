"""Locale data for the formatting helpers: month and day names, number and currency formats.

A small table of the locales templates commonly use (Java's CLDR data, abridged). A locale is
written as in AJO, ``fr_FR`` (``fr-FR`` is accepted); an unknown locale falls back to its
language, then to ``en_US``. Week rules for the week-based year (``Y``, ``w``): ``en_US`` weeks
start on Sunday and week 1 holds January 1st; other locales use ISO weeks (Monday, 4 days).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Locale", "locale"]


@dataclass(frozen=True)
class Locale:
    months: tuple[str, ...]
    short_months: tuple[str, ...]
    days: tuple[str, ...]          # Monday first
    short_days: tuple[str, ...]
    am_pm: tuple[str, str]
    group: str                     # thousands separator
    decimal: str
    currency: str                  # symbol
    currency_after: bool           # "56,00 €" vs "£56.00"
    us_weeks: bool = False


_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre")
_FR_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
             "nov.", "déc.")
_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DE_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember")
_DE_SHORT = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
             "Nov.", "Dez.")
_DE_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")
_ES_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_IT_MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
              "settembre", "ottobre", "novembre", "dicembre")
_IT_DAYS = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")
_NL_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december")
_NL_DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_PT_MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
              "setembro", "outubro", "novembro", "dezembro")
_PT_DAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
            "sábado", "domingo")


def _short(names: tuple[str, ...], n: int = 3, dot: str = "") -> tuple[str, ...]:
    return tuple(x[:n] + (dot if len(x) > n else "") for x in names)


_EN_SHORT_MONTHS, _EN_SHORT_DAYS = _short(_EN_MONTHS), _short(_EN_DAYS)

LOCALES: dict[str, Locale] = {
    "en_US": Locale(_EN_MONTHS, _EN_SHORT_MONTHS, _EN_DAYS, _EN_SHORT_DAYS, ("AM", "PM"), ",",
                    ".", "$", False, us_weeks=True),
    "en_GB": Locale(_EN_MONTHS, _EN_SHORT_MONTHS, _EN_DAYS, _EN_SHORT_DAYS, ("am", "pm"), ",",
                    ".", "£", False),
    "fr_FR": Locale(_FR_MONTHS, _FR_SHORT, _FR_DAYS, _short(_FR_DAYS, 3, "."), ("AM", "PM"),
                    "\u202f", ",", "€", True),
    "de_DE": Locale(_DE_MONTHS, _DE_SHORT, _DE_DAYS, ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.",
                                                      "So."), ("AM", "PM"), ".", ",", "€", True),
    "es_ES": Locale(_ES_MONTHS, _short(_ES_MONTHS), _ES_DAYS, _short(_ES_DAYS),
                    ("a. m.", "p. m."), ".", ",", "€", True),
    "it_IT": Locale(_IT_MONTHS, _short(_IT_MONTHS), _IT_DAYS, _short(_IT_DAYS), ("AM", "PM"),
                    ".", ",", "€", True),
    "nl_NL": Locale(_NL_MONTHS, _short(_NL_MONTHS), _NL_DAYS, ("ma", "di", "wo", "do", "vr",
                                                              "za", "zo"), ("a.m.", "p.m."),
                    ".", ",", "€", False),
    "pt_BR": Locale(_PT_MONTHS, _short(_PT_MONTHS, 3, "."), _PT_DAYS,
                    ("seg.", "ter.", "qua.", "qui.", "sex.", "sáb.", "dom."), ("AM", "PM"), ".",
                    ",", "R$", False),
}
_BY_LANGUAGE = {"en": "en_US", "fr": "fr_FR", "de": "de_DE", "es": "es_ES", "it": "it_IT",
                "nl": "nl_NL", "pt": "pt_BR"}


def locale(name: str | None) -> Locale:
    """The locale named ``name`` (``en_US`` when None or unknown)."""
    if not name:
        return LOCALES["en_US"]
    key = name.replace("-", "_")
    found = LOCALES.get(key)
    if found is None:
        found = LOCALES.get(_BY_LANGUAGE.get(key.split("_")[0].lower(), "en_US"))
    return found or LOCALES["en_US"]
