"""Scratch script: try an idea quickly, outside production code.

Run with `uv run python experiments/scripts/quick_baseline.py`.
"""

import statistics


def main() -> None:
    sample = [3.1, 2.7, 3.6, 2.9, 3.3]
    print(f"mean={statistics.mean(sample):.3f} stdev={statistics.stdev(sample):.3f}")


if __name__ == "__main__":
    main()
