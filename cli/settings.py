"""``nhp settings``: print every setting with its environment variable, default and help."""

from __future__ import annotations

from geo.settings import get_settings, settings_table


def register(subparsers) -> None:
    parser = subparsers.add_parser("settings", help="list settings, their current values and help")
    parser.set_defaults(func=run)


def run(args) -> int:
    current = get_settings().model_dump()
    for row in settings_table():
        print(f"{row['env']:<28} = {current[row['name']]!s:<30} {row['help']}")
    return 0
