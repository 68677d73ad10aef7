"""Replace Wagtail's default welcome page with the portal's home page, the course catalogue and an
"About" page, and make the home page the root of every site."""

from django.db import migrations

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

ABOUT_BODY = [
    {
        "type": "paragraph",
        "value": (
            "<p>Сеть IT-лицеев объединяет лицеи всех муниципальных районов и городских округов "
            "республики. Школьники учатся дистанционно по направлениям цифровой экономики: от "
            "веб-разработки и программирования на Python до SMM и информационной безопасности. "
            "Учителя бесплатно проходят переподготовку и затем ведут группы в своих лицеях.</p>"
        ),
    },
    {"type": "heading", "value": {"text": "Как устроено обучение", "level": "h2"}},
    {
        "type": "paragraph",
        "value": (
            "<ul><li>Выберите направление и курс в каталоге и запишитесь на него.</li>"
            "<li>Проходите уроки: теория, примеры кода, видео и тесты для самопроверки.</li>"
            "<li>Практические задания выполняются в Jupyter-блокнотах и проверяются автоматически.</li>"
            "<li>После завершения курса вы получаете сертификат с адресом для проверки.</li></ul>"
        ),
    },
]


def _child_path(parent_path: str, index: int) -> str:
    digits = ""
    for _ in range(STEPLEN):
        index, remainder = divmod(index, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return parent_path + digits


def create_site_structure(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    HomePage = apps.get_model("content", "HomePage")
    StandardPage = apps.get_model("content", "StandardPage")
    CatalogPage = apps.get_model("courses", "CatalogPage")

    if HomePage.objects.exists():
        return
    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return
    locale = Locale.objects.order_by("pk").first()
    if locale is None:
        locale = Locale.objects.create(language_code="ru")

    # Wagtail's welcome page is a bare `wagtailcore.Page` directly under the root with nothing below it.
    plain_page_type = ContentType.objects.get_for_model(Page)
    welcome = Page.objects.filter(depth=2, content_type=plain_page_type, numchild=0)
    welcome_ids = list(welcome.values_list("pk", flat=True))

    def content_type(model):
        return ContentType.objects.get_or_create(
            app_label=model._meta.app_label, model=model._meta.model_name
        )[0]

    # The new home page goes after the existing top-level pages; the welcome page is removed at the end,
    # once the sites point away from it.
    siblings = Page.objects.filter(depth=2, path__startswith=root.path).order_by("-path").first()
    next_index = 1
    if siblings is not None:
        last = siblings.path[-STEPLEN:]
        next_index = int(last, 36) + 1
    home_path = _child_path(root.path, next_index)
    common = {"locale": locale, "live": True, "has_unpublished_changes": False, "show_in_menus": False}
    home = HomePage.objects.create(
        title="Главная",
        draft_title="Главная",
        slug="home",
        content_type=content_type(HomePage),
        path=home_path,
        depth=2,
        numchild=2,
        url_path="/home/",
        hero_title="Учитесь цифровым профессиям в IT-лицее",
        hero_text=(
            "<p>Бесплатные дистанционные курсы по двадцати пяти направлениям цифровой экономики "
            "для школьников и учителей IT-лицеев республики.</p>"
        ),
        **common,
    )
    CatalogPage.objects.create(
        title="Каталог курсов",
        draft_title="Каталог курсов",
        slug="catalog",
        content_type=content_type(CatalogPage),
        path=_child_path(home_path, 1),
        depth=3,
        numchild=0,
        url_path="/home/catalog/",
        intro="<p>Все направления подготовки и курсы сети IT-лицеев.</p>",
        show_in_menus=True,
        **{key: value for key, value in common.items() if key != "show_in_menus"},
    )
    StandardPage.objects.create(
        title="О проекте",
        draft_title="О проекте",
        slug="about",
        content_type=content_type(StandardPage),
        path=_child_path(home_path, 2),
        depth=3,
        numchild=0,
        url_path="/home/about/",
        intro="Сеть IT-лицеев: цифровые профессии для школьников и учителей.",
        body=ABOUT_BODY,
        show_in_menus=True,
        **{key: value for key, value in common.items() if key != "show_in_menus"},
    )

    if Site.objects.exists():
        Site.objects.filter(root_page_id__in=welcome_ids).update(root_page=home)
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    Page.objects.filter(pk__in=welcome_ids).delete()
    root.numchild = Page.objects.filter(depth=2, path__startswith=root.path).count()
    root.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("courses", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_site_structure, migrations.RunPython.noop)]
