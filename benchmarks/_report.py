"""What every benchmark script records about its run, and how it writes tables."""

import datetime
import os
import platform
from pathlib import Path

import numpy as np
import sklearn
import skorch
import torch

import sknets

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs" / "_bench"


def environment(threads):
    """Versions, machine and load of this run, for the header of a results page."""
    return {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "sknets": sknets.__version__,
        "cores": os.cpu_count(),
        "threads": threads,
        "cpu": cpu_name(),
        "load": load_average(),
    }


def describe_machine(env):
    """One sentence naming the versions and the machine, for a results page."""
    return (
        f"Measured on {env['date']} with torch {env['torch']}, skorch {env['skorch']}, "
        f"scikit-learn {env['sklearn']}, NumPy {env['numpy']} and Python {env['python']}, "
        f"on a CPU-only machine with {env['cores']} cores ({env['cpu']}), "
        f"{env['threads']} thread(s)"
    )


def load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def rst_table(title, header, rows):
    """The lines of an RST list-table."""
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    lines.append("")
    return lines


def text_table(header, rows):
    """A plain-text table with aligned columns."""
    table = [list(map(str, header)), *[list(map(str, row)) for row in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
