"""Benchmark: load and check a generated 1,000-step workspace (target: under 1 s).

    PYTHONPATH=src python benchmarks/bench_workspace.py [--steps 1000] [--repeat 5]

The workspace has declarations (events, a data source with a profile field group, an action,
an audience) and journeys of 40 steps each, mixing every step kind with expressions, so the
figure covers parsing, the journey checks and compiling every expression with jexpr. The
Lark parser is built once before timing (a per-process cost, about 2.5 s under ``strict=True``);
the figure printed is the median wall time of ``load_texts`` over the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

DECLARATIONS = """\
event Signup {
  namespace email
  key @event{Signup.email}
  fields { email: string, plan: string, total: decimal, at: dateTime }
}
event Purchase { namespace email  key @event{Purchase.email}  fields { email: string, total: decimal } }
datasource ExperiencePlatform {
  fieldgroup Profile { fields { tier: string, score: integer, person: { firstName: string } } }
}
action crm {
  url "https://crm.example.com/leads"  method POST
  body { email: string, score: integer }
  response { leadId: string }
}
audience VIP { where #{ExperiencePlatform.Profile.tier} == "gold" }
"""


def _step(j: int, i: int, last: bool) -> str:
    name = f"s{i}"
    nxt = "done" if last else f"s{i + 1}"
    kinds = [
        f'{name}: email {{ template: "t{i}", to: @event{{Signup.email}} }}',
        f"{name}: wait {1 + i % 5}h",
        f'{name}: condition {{\n    gold: #{{ExperiencePlatform.Profile.tier}} == "gold" '
        f"and @event{{Signup.total}} > {i} -> {nxt}\n    else -> {nxt}\n  }}",
        f"{name}: action crm {{ email: @event{{Signup.email}}, score: {i} }} on error -> done",
        f"{name}: update profile {{ Profile.score: {i} + 1 }}",
        f"{name}: await {{\n    event Purchase when @event{{Purchase.total}} > 10 -> {nxt}\n"
        f"    after 1d -> {nxt}\n  }}",
    ]
    return "  " + kinds[(i + j) % len(kinds)]


def generate(steps: int = 1000, per_journey: int = 40) -> dict[str, str]:
    """File name → text of a workspace with ``steps`` steps in total."""
    files = {"decls.journey": DECLARATIONS}
    for j in range(max(1, steps // per_journey)):
        body = [_step(j, i, i == per_journey - 1) for i in range(per_journey)]
        files[f"j{j}.journey"] = (
            f"journey j{j} {{\n  entry on event Signup when @event{{Signup.plan}} != \"trial\"\n"
            + "\n".join(body) + "\n  done: end\n}\n")
    return files


def measure(steps: int = 1000, repeat: int = 5) -> float:
    """Median seconds to load and check the generated workspace (parser built beforehand)."""
    from jengine.lang.parse import journey_parser
    from jengine.lang.workspace import load_texts

    journey_parser()
    texts = generate(steps)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        ws = load_texts(texts)
        times.append(time.perf_counter() - start)
        errors = [d for d in ws.diagnostics if d.is_error]
        if errors:
            raise SystemExit(f"generated workspace has errors: {errors[0].diagnostic}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    seconds = measure(args.steps, args.repeat)
    print(f"load+check of a {args.steps}-step workspace: {seconds * 1000:.0f} ms "
          f"(median of {args.repeat})")


if __name__ == "__main__":
    main()
