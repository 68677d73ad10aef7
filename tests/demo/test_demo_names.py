"""The demo's people: names whose parts agree in gender, and no two people with the same name."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from demo.accounts import DEMO_ACCOUNTS
from demo.names import (
    FEMALE_FIRST_NAMES,
    MALE_FIRST_NAMES,
    PATRONYMICS,
    SURNAMES,
    unique_full_names,
)
from demo.network import GENERATED_DOMAIN

SONS = {son for son, _daughter in PATRONYMICS}
DAUGHTERS = {daughter for _son, daughter in PATRONYMICS}


def _agrees_in_gender(full_name: str) -> bool:
    """«Фамилия Имя Отчество» with a woman's first name, a feminine surname (-ова, -ева, -ина) and a
    daughter's patronymic, or the same three for a man."""
    surname, first_name, patronymic = full_name.split()
    if first_name in FEMALE_FIRST_NAMES:
        return (
            surname[:-1] in SURNAMES
            and surname.endswith(("ова", "ева", "ёва", "ина"))
            and patronymic in DAUGHTERS
        )
    return first_name in MALE_FIRST_NAMES and surname in SURNAMES and patronymic in SONS


def test_name_lists_are_consistent():
    """No first name is on both lists, every surname has a feminine form in -а, and the masculine
    surnames, patronymics and the feminine ones end as Russian grammar wants."""
    assert not set(MALE_FIRST_NAMES) & set(FEMALE_FIRST_NAMES)
    assert all(surname.endswith(("ов", "ев", "ёв", "ин")) for surname in SURNAMES)
    assert all(son.endswith("ич") and daughter.endswith("на") for son, daughter in PATRONYMICS)


def test_generated_names_are_unique_gendered_and_repeatable():
    """Two thousand generated names are all different, all agree in gender, avoid the names they are
    told are taken, and come out the same for the same seed."""
    taken = {"Сафина Алина Ринатовна"}
    names = unique_full_names(2000, seed=7, taken=taken)
    assert len(set(names)) == 2000
    assert not taken & set(names)
    assert all(_agrees_in_gender(name) for name in names)
    assert unique_full_names(2000, seed=7, taken=taken) == names
    women = sum(name.split()[1] in FEMALE_FIRST_NAMES for name in names)
    assert 800 < women < 1200


@pytest.mark.django_db
def test_demo_people_have_distinct_gender_consistent_names(seeded_demo):
    """After `seed_demo`, every demo account and generated learner or teacher has a full name of their
    own, and the three parts of every name agree in gender."""
    people = get_user_model().objects.filter(email__endswith="@" + GENERATED_DOMAIN)
    names = list(people.values_list("full_name", flat=True))
    names += [account.full_name for account in DEMO_ACCOUNTS]
    assert len(names) > 500
    repeated = [name for name, count in Counter(names).items() if count > 1]
    assert repeated == []
    mismatched = [name for name in names if not _agrees_in_gender(name)]
    assert mismatched == []
