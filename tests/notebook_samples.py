"""A small notebook for the notebook tests (unit and e2e): markdown, a code cell with a
printed line and a figure, and a cell that raised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PNG = (  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
    "AAAABJRU5ErkJggg=="
)


def notebook(minor: int = 5) -> dict[str, Any]:
    with_ids = minor >= 5
    cells: list[dict[str, Any]] = [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": ["# Sums\n", "Adding numbers."],
        },
        {
            "cell_type": "code",
            "execution_count": 3,
            "metadata": {"tags": ["keep"]},
            "source": "print(add(1, 2))",
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": ["3\n"]},
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": PNG + "\n", "text/plain": ["<Figure 1>"]},
                },
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 4,
            "metadata": {},
            "source": "1 / 0",
            "outputs": [
                {
                    "output_type": "error",
                    "ename": "ZeroDivisionError",
                    "evalue": "division by zero",
                    "traceback": ["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"],
                }
            ],
        },
    ]
    if with_ids:
        for cell, cell_id in zip(cells, ("intro", "sum", "boom"), strict=True):
            cell["id"] = cell_id
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def write_notebook(path: Path, data: dict[str, Any]) -> str:
    text = json.dumps(data, indent=1) + "\n"
    path.write_text(text)
    return text
