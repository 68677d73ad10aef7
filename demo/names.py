"""Names for the demo's generated people: Russian and Tatar first names, surnames and patronymics whose
genders agree, and never the same full name twice.

A full name is written as schools write it in rosters, «Фамилия Имя Отчество». Surnames are kept in
their masculine form ending in -ов, -ев or -ин; the feminine form adds «а» (Сафин → Сафина,
Галиев → Галиева). Patronymics come in pairs (Ильдарович / Ильдаровна) rather than being derived
by rule, because the Russian forms of Tatar fathers' names do not all follow one rule.
"""

from __future__ import annotations

import random

MALE_FIRST_NAMES = [
    "Айдар", "Айрат", "Азат", "Булат", "Данияр", "Ильдар", "Ильнур", "Камиль", "Марат", "Нияз", "Ринат",
    "Рустам", "Рустем", "Салават", "Тимур", "Артур", "Александр", "Андрей", "Артём", "Дмитрий", "Егор",
    "Иван", "Кирилл", "Максим", "Михаил", "Никита",
]  # fmt: skip
FEMALE_FIRST_NAMES = [
    "Айгуль", "Алина", "Алия", "Алсу", "Альбина", "Гузель", "Гульнара", "Динара", "Диляра", "Зарина",
    "Ильсияр", "Камила", "Лейсан", "Лилия", "Регина", "Резеда", "Эльвира", "Энже", "Анастасия", "Анна",
    "Дарья", "Екатерина", "Ирина", "Ксения", "Мария", "Полина", "Софья", "Виктория", "Елена",
]  # fmt: skip
SURNAMES = [
    "Абдуллин", "Ахметов", "Ахметзянов", "Валиев", "Галиев", "Гарипов", "Гарифуллин", "Гильмутдинов",
    "Закиров", "Зарипов", "Зиннатуллин", "Каримов", "Латыпов", "Миннуллин", "Мухаметов", "Нигматуллин",
    "Нуриев", "Сабиров", "Садыков", "Сафин", "Файзуллин", "Хабибуллин", "Хайруллин", "Хасанов",
    "Шайхутдинов", "Шарипов", "Юсупов", "Алексеев", "Васильев", "Волков", "Голубев", "Григорьев",
    "Зайцев", "Иванов", "Кузнецов", "Лебедев", "Морозов", "Николаев", "Павлов", "Петров", "Семёнов",
    "Смирнов", "Соколов", "Фёдоров", "Яковлев",
]  # fmt: skip
# (a son's patronymic, a daughter's patronymic)
PATRONYMICS = [
    ("Айдарович", "Айдаровна"), ("Азатович", "Азатовна"), ("Ильдарович", "Ильдаровна"),
    ("Ильнурович", "Ильнуровна"), ("Маратович", "Маратовна"), ("Радикович", "Радиковна"),
    ("Рафаэлевич", "Рафаэлевна"), ("Ринатович", "Ринатовна"), ("Рустамович", "Рустамовна"),
    ("Фаридович", "Фаридовна"), ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"),
    ("Андреевич", "Андреевна"), ("Владимирович", "Владимировна"), ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"), ("Игоревич", "Игоревна"), ("Николаевич", "Николаевна"),
    ("Олегович", "Олеговна"), ("Сергеевич", "Сергеевна"),
]  # fmt: skip


def full_name(*, female: bool, surname: str, first_name: str, patronymic: tuple[str, str]) -> str:
    """«Фамилия Имя Отчество» with the surname and patronymic in the person's gender."""
    if female:
        return f"{surname}а {first_name} {patronymic[1]}"
    return f"{surname} {first_name} {patronymic[0]}"


def unique_full_names(count: int, *, seed: int, taken: set[str] = frozenset()) -> list[str]:
    """`count` different full names, about half of them women's, none of them in `taken`; the same
    `seed` gives the same list. Raises `ValueError` when the lists cannot make that many."""
    capacity = len(SURNAMES) * len(PATRONYMICS) * (len(MALE_FIRST_NAMES) + len(FEMALE_FIRST_NAMES))
    if count > capacity // 2:
        raise ValueError(f"at most {capacity // 2} distinct demo names, asked for {count}")
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    names: list[str] = []
    seen = set(taken)
    while len(names) < count:
        female = rng.random() < 0.5
        name = full_name(
            female=female,
            surname=rng.choice(SURNAMES),
            first_name=rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES),
            patronymic=rng.choice(PATRONYMICS),
        )
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
