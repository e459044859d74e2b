"""The text rules of the mapping and the XML bodies (BR-01, BR-02, BR-03, BR-05)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from osmsyncd_prestashop import xml
from osmsyncd_prestashop.mapping import clean_html
from osmsyncd_prestashop.mapping import clean_name
from osmsyncd_prestashop.mapping import slug
from osmsyncd_prestashop.mapping import valid_ean13
from osmsyncd_prestashop.xml import Entity

from osmsyncd.errors import ShopError


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ('Raccordo <3/4"> ; filetto=M #2 {inox}', 'Raccordo 3/4" filetto M 2 inox'),
        ("Ricambi {vecchio listino}", "Ricambi vecchio listino"),
        ("  spazi   multipli  ", "spazi multipli"),
    ],
)
def test_names_lose_the_characters_prestashop_refuses(name, cleaned):
    """Each of < > ; = # { } becomes a space; runs of spaces collapse."""
    assert clean_name(name) == cleaned


def test_long_names_are_cut_on_a_character_boundary():
    """A name over 128 code points is cut, without trailing space or punctuation."""
    greek = "Λάμπα γραφείου από ορείχαλκο, " * 5
    cut = clean_name(greek)
    assert len(cut) <= 128 and greek.startswith(cut)
    assert not cut.endswith((" ", ","))


@pytest.mark.parametrize(
    ("text", "made"),
    [
        ("Condensatore 10µF – 50V (conf. 2²)", "condensatore-10uf-50v-conf-22"),
        ("condensatore.10uf", "condensatore-10uf"),
        ("Perché più è meglio", "perche-piu-e-meglio"),
        ("Straße ß Œuvre", "strasse-ss-oeuvre"),
        ("———", ""),
    ],
)
def test_slugs_are_ascii_words_joined_by_dashes(text, made):
    """Accents and µ are transliterated, superscripts become digits, the rest splits."""
    assert slug(text) == made


def test_slugs_fit_128_characters_without_a_trailing_dash():
    """A long slug is cut to 128 characters and never ends with a dash."""
    made = slug("parola " * 40)
    assert len(made) <= 128 and not made.endswith("-")


@pytest.mark.parametrize(
    ("code", "valid"),
    [("8012345678907", True), ("8012345678901", False), ("801234567890", False)],
)
def test_ean13_needs_thirteen_digits_and_its_check_digit(code, valid):
    """Only a 13-digit code with a correct check digit is an EAN-13."""
    assert valid_ean13(code) is valid


def test_html_loses_scripts_frames_and_event_handlers():
    """Descriptions keep their markup but not what isCleanHtml refuses."""
    dirty = '<p onclick="x()">Ok</p><script>alert(1)</script><iframe src="y"></iframe>'
    assert clean_html(dirty) == "<p>Ok</p>"


def test_bodies_always_parse_with_a_strict_xml_parser():
    """BR-05: ]]> is split across CDATA sections; forbidden characters become spaces."""
    text = "<p>Confronta a[b[0]]>c</p>Larghezza\x0b30 cm\x0c 🔧 ok\ufffe"
    content = xml.body(
        Entity("product", {"description": {1: text, 2: text}, "reference": "A]]>B"})
    )
    root = ET.fromstring(content)
    languages = root.find("product/description").findall("language")
    assert [lang.text for lang in languages] == [
        "<p>Confronta a[b[0]]>c</p>Larghezza 30 cm  🔧 ok ",
    ] * 2
    assert root.findtext("product/reference") == "A]]>B"


def test_answers_with_forbidden_characters_are_still_read():
    """BR-05: a raw U+000B inside a shop answer is replaced before parsing."""
    answer = (
        b"<prestashop><product><name><![CDATA[a\x0bb]]></name></product></prestashop>"
    )
    assert xml.parse(answer).findtext("product/name") == "a b"
    with pytest.raises(ShopError):
        xml.parse(b"<prestashop><unclosed>")
