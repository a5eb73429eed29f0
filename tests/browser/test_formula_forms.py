"""The built book prints its mathematics as a careful textbook does: none of the forms that
``tests/formula_forms.py`` counts (a sum opening with a minus sign in brackets, sqrt(2) sqrt(pi), a sum over
data in a numerator, an argmin step printed with "=", a float with more than six decimals) occurs anywhere."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from formula_forms import NEGATIVE_SUM, PATTERNS, SUM_OVER, count_forms  # noqa: E402


@pytest.fixture(scope="module")
def forms(built_book):
    return count_forms(built_book)


@pytest.mark.parametrize("form", [NEGATIVE_SUM, SUM_OVER, *PATTERNS])
def test_the_book_prints_no_unwanted_form(forms, form):
    places = forms[form]
    assert not places, f"{len(places)} × {form}:\n" + "\n".join(places[:20])


@pytest.mark.parametrize(
    "tex, form",
    [
        (r"\left(- \mu + x\right)^{2}", NEGATIVE_SUM),
        (r"\log{\left(\sqrt{2} \sqrt{\pi} \sigma \right)}", "square roots of 2 and pi apart"),
        (r"\frac{\sum_{i=1}^{N} {y}_{i}}{N}", "a sum over data in a numerator"),
        (r"&\underset{\arg\min_{\mu}}{\overset{(2)}{=}} \mu^{2}", "an argmin step printed with ="),
        (r"x = 0.333333333333333", "a number with more than six decimals"),
    ],
)
def test_each_form_is_recognised(tmp_path, tex, form):
    (tmp_path / "page.html").write_text(f'<p><span class="math notranslate nohighlight">\\({tex}\\)</span></p>')
    assert len(count_forms(tmp_path)[form]) == 1


def test_textbook_forms_are_not_counted(tmp_path):
    fine = r"\left(x - \mu\right)^{2} + \log{\left(\sigma \sqrt{2 \pi} \right)} + \frac{1}{N} \sum_{i=1}^{N} {y}_{i}"
    fine += r" \underset{\mu}{\overset{(2)}{\simeq}} 0.25 + \left(- \frac{1}{2}\right)"
    fine += r" + \frac{\sum_{t} x_t y_t}{\sum_{t} x_t^{2}}"
    (tmp_path / "page.html").write_text(f'<div class="math notranslate nohighlight">\\[{fine}\\]</div>')
    assert not any(count_forms(tmp_path).values())
