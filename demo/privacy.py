"""The demo's personal-data policy (152-FZ) and the consents of the demo accounts.

The policy text is an example an operator adapts: who the operator is, the addresses and the hosting are
theirs to state. The demo accounts count as having consented to it, so that they sign in straight to
their pages; a visitor who registers consents on the registration form."""

from __future__ import annotations

import datetime

from django.db import transaction
from wagtail.models import Page

from content.models import HomePage, PrivacyPolicyPage
from lms.models import Consent

POLICY_VERSION = "1.0"
POLICY_EFFECTIVE_DATE = datetime.date(2026, 9, 1)
POLICY_SLUG = "personal-data"
POLICY_TITLE = "Политика обработки персональных данных"
POLICY_INTRO = (
    "Как портал сети IT-лицеев обрабатывает персональные данные учащихся, их родителей, учителей и "
    "сотрудников (Федеральный закон от 27.07.2006 № 152-ФЗ «О персональных данных»)."
)
POLICY_BODY = [
    {"type": "heading", "value": {"text": "Кто обрабатывает данные", "level": "h2"}},
    {
        "type": "paragraph",
        "value": (
            "<p>Оператор персональных данных — организация, которая ведёт портал сети IT-лицеев республики "
            "(её наименование, адрес и регистрационный номер в реестре операторов Роскомнадзора указываются "
            "здесь). Данные хранятся и обрабатываются на серверах, расположенных в Российской Федерации.</p>"
        ),
    },
    {"type": "heading", "value": {"text": "Какие данные мы обрабатываем", "level": "h2"}},
    {
        "type": "paragraph",
        "value": (
            "<ul><li>фамилию, имя и отчество, дату рождения, адрес электронной почты;</li>"
            "<li>лицей, учебную группу и муниципальное образование;</li>"
            "<li>записи на курсы, прохождение уроков, ответы на тесты, сданные тетради Jupyter, оценки, "
            "отзывы учителей и сертификаты;</li>"
            "<li>для учащегося младше 14 лет — адрес электронной почты родителя или законного "
            "представителя;</li>"
            "<li>технические сведения: время входа и последних действий, IP-адрес при выражении "
            "согласия.</li></ul>"
        ),
    },
    {"type": "heading", "value": {"text": "Зачем", "level": "h2"}},
    {
        "type": "paragraph",
        "value": (
            "<p>Чтобы обучать на портале: записывать на курсы, проверять задания и выставлять оценки, "
            "выдавать сертификаты и подтверждать их подлинность; чтобы учителя видели успехи своих групп, "
            "а лицеи и муниципалитеты получали отчёты о записи и завершении курсов. Отчёты для "
            "муниципалитетов и республики строятся по обезличенным сводным данным.</p>"
        ),
    },
    {"type": "heading", "value": {"text": "Кто видит данные", "level": "h2"}},
    {
        "type": "paragraph",
        "value": (
            "<p>Учащийся видит свои данные. Учитель — данные учащихся своих групп, координатор — своего "
            "муниципалитета, администратор республики — всей сети. Доступ сотрудников к личным страницам и "
            "тетрадям учащихся записывается в журнал. Данные не передаются третьим лицам, кроме случаев, "
            "предусмотренных законом.</p>"
        ),
    },
    {"type": "heading", "value": {"text": "Согласие и его отзыв", "level": "h2"}},
    {
        "type": "paragraph",
        "value": (
            "<p>Согласие даётся при регистрации или при первом входе, если учётную запись создал лицей. "
            "За учащегося младше 14 лет согласие даёт родитель или законный представитель по ссылке из "
            "письма; до этого учащийся может войти, но не может учиться. Согласие действует до отзыва. "
            "Его можно отозвать, запросив удаление данных на странице «Мои данные» или написав оператору; "
            "тогда персональные данные обезличиваются, а статистика сохраняет только числа.</p>"
        ),
    },
    {"type": "heading", "value": {"text": "Сроки хранения", "level": "h2"}},
    {
        "type": "paragraph",
        "value": (
            "<p>Данные хранятся, пока учётная запись используется. Учётные записи, не используемые дольше "
            "установленного оператором срока, обезличиваются после предупреждения по электронной почте. "
            "Учащийся может в любой момент скачать всё, что портал о нём хранит.</p>"
        ),
    },
]


@transaction.atomic
def seed_privacy_policy(accounts: dict[str, object]) -> PrivacyPolicyPage:
    """Publish the policy page below the home page (once) and record the demo accounts' consent to its
    version, as if they had given it at registration."""
    policy = PrivacyPolicyPage.objects.filter(slug=POLICY_SLUG).first()
    if policy is None:
        home: Page = HomePage.objects.order_by("path").first()
        policy = PrivacyPolicyPage(
            title=POLICY_TITLE,
            slug=POLICY_SLUG,
            version=POLICY_VERSION,
            effective_date=POLICY_EFFECTIVE_DATE,
            intro=POLICY_INTRO,
            body=POLICY_BODY,
            live=False,
        )
        home.add_child(instance=policy)
        policy.save_revision().publish()
    for user in accounts.values():
        Consent.objects.get_or_create(
            user=user,
            kind=Consent.Kind.OWN,
            policy_version=policy.version,
            defaults={
                "given_at": datetime.datetime.combine(POLICY_EFFECTIVE_DATE, datetime.time(9), datetime.UTC)
            },
        )
    return policy
