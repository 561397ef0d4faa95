"""The README's description example runs against a whole suite: both brands, served by their shipped adapters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from docai.services.common.settings import Settings
from docai.services.models.backend import GenerationRequest
from docai.services.testing import SuiteThread, scripted_backend

REPO = Path(__file__).resolve().parents[2]
WRITES = {
    "brand-nordkraft": "Fjord Shell Jacket. Recycled polyester, 420 g. Waterproof, breathable, taped seams. Olive.",
    "brand-sunny-days": "Rain or shine, you'll love it! The Fjord Shell Jacket comes in olive and is made of "
    "recycled polyester. It's waterproof and breathable, with taped seams, so you can keep on exploring.",
}


def test_the_example_gets_two_voices_with_clean_scorecards(tmp_path: Path) -> None:
    seen: list[str | None] = []

    def answer(request: GenerationRequest) -> str:
        seen.append(request.adapter)
        return WRITES.get(request.adapter or "", "")

    settings = Settings(home=tmp_path / "home", backend="fake")
    with SuiteThread(settings, backend=scripted_backend(answer)) as running:
        token_file = tmp_path / "token"
        token_file.write_text(running.tenant("shop"))
        run = subprocess.run(
            [
                sys.executable,
                str(REPO / "examples" / "describe_product.py"),
                "--address",
                running.address,
                "--token-file",
                str(token_file),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    assert seen == ["brand-nordkraft", "brand-sunny-days"]
    assert run.stdout.count("passed=True") == 2
    assert WRITES["brand-sunny-days"] in run.stdout
