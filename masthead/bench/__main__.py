"""Run benchmark sections and rewrite their parts of docs/benchmarks.md.

    python -m masthead.bench                 # every section present
    python -m masthead.bench site members    # just these

A section is any module masthead/bench/<name>.py with a `run() -> str`; the
known ones run first, in this order, so the document reads the same each time.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback

from masthead.bench.common import DOC, write_section

KNOWN_ORDER = ["site", "members", "narration", "editions", "newsletters"]
NOT_SECTIONS = {"common", "servers", "reader_flows", "scale_demo", "scale_ops"}


def available() -> list[str]:
    import masthead.bench as package

    modules = pkgutil.iter_modules(package.__path__)
    found = {m.name for m in modules if not m.ispkg and not m.name.startswith("_")} - NOT_SECTIONS
    return [n for n in KNOWN_ORDER if n in found] + sorted(found - set(KNOWN_ORDER))


def main(argv: list[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(prog="python -m masthead.bench", description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", help=f"which sections to run (default: all of {', '.join(names)})")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in names]
    if unknown:
        parser.error(f"no benchmark section named {', '.join(unknown)}; there are: {', '.join(names)}")

    failed = []
    for name in args.sections or names:
        print(f"bench: running {name} ...", flush=True)
        module = importlib.import_module(f"masthead.bench.{name}")
        try:
            markdown = module.run()
        except Exception:  # noqa: BLE001 (one broken section must not lose the others' figures)
            traceback.print_exc()
            failed.append(name)
            continue
        write_section(name, markdown)
        print(f"bench: {name} written to {DOC}", flush=True)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
