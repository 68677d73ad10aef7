"""Reference data: the Republic of Tatarstan and its 45 municipalities (43 municipal districts and the
urban okrugs of Kazan and Naberezhnye Chelny) with stable codes."""

from django.db import migrations

SUBJECT = ("RU-TA", "Республика Татарстан", "Republic of Tatarstan")

# code, kind, name (ru), name (en), administrative centre (ru), administrative centre (en)
MUNICIPALITIES = [
    ('kazan', 'urban_okrug', 'Казань', 'Kazan', 'Казань', 'Kazan'),
    ('naberezhnye-chelny', 'urban_okrug', 'Набережные Челны', 'Naberezhnye Chelny', 'Набережные Челны', 'Naberezhnye Chelny'),
    ('agryzsky', 'municipal_district', 'Агрызский район', 'Agryzsky District', 'Агрыз', 'Agryz'),
    ('aznakayevsky', 'municipal_district', 'Азнакаевский район', 'Aznakayevsky District', 'Азнакаево', 'Aznakayevo'),
    ('aksubayevsky', 'municipal_district', 'Аксубаевский район', 'Aksubayevsky District', 'Аксубаево', 'Aksubayevo'),
    ('aktanyshsky', 'municipal_district', 'Актанышский район', 'Aktanyshsky District', 'Актаныш', 'Aktanysh'),
    ('alexeyevsky', 'municipal_district', 'Алексеевский район', 'Alexeyevsky District', 'Алексеевское', 'Alexeyevskoye'),
    ('alkeyevsky', 'municipal_district', 'Алькеевский район', 'Alkeyevsky District', 'Базарные Матаки', 'Bazarnye Mataki'),
    ('almetyevsky', 'municipal_district', 'Альметьевский район', 'Almetyevsky District', 'Альметьевск', 'Almetyevsk'),
    ('apastovsky', 'municipal_district', 'Апастовский район', 'Apastovsky District', 'Апастово', 'Apastovo'),
    ('arsky', 'municipal_district', 'Арский район', 'Arsky District', 'Арск', 'Arsk'),
    ('atninsky', 'municipal_district', 'Атнинский район', 'Atninsky District', 'Большая Атня', 'Bolshaya Atnya'),
    ('bavlinsky', 'municipal_district', 'Бавлинский район', 'Bavlinsky District', 'Бавлы', 'Bavly'),
    ('baltasinsky', 'municipal_district', 'Балтасинский район', 'Baltasinsky District', 'Балтаси', 'Baltasi'),
    ('bugulminsky', 'municipal_district', 'Бугульминский район', 'Bugulminsky District', 'Бугульма', 'Bugulma'),
    ('buinsky', 'municipal_district', 'Буинский район', 'Buinsky District', 'Буинск', 'Buinsk'),
    ('verkhneuslonsky', 'municipal_district', 'Верхнеуслонский район', 'Verkhneuslonsky District', 'Верхний Услон', 'Verkhny Uslon'),
    ('vysokogorsky', 'municipal_district', 'Высокогорский район', 'Vysokogorsky District', 'Высокая Гора', 'Vysokaya Gora'),
    ('drozhzhanovsky', 'municipal_district', 'Дрожжановский район', 'Drozhzhanovsky District', 'Старое Дрожжаное', 'Staroye Drozhzhanoye'),
    ('yelabuzhsky', 'municipal_district', 'Елабужский район', 'Yelabuzhsky District', 'Елабуга', 'Yelabuga'),
    ('zainsky', 'municipal_district', 'Заинский район', 'Zainsky District', 'Заинск', 'Zainsk'),
    ('zelenodolsky', 'municipal_district', 'Зеленодольский район', 'Zelenodolsky District', 'Зеленодольск', 'Zelenodolsk'),
    ('kaybitsky', 'municipal_district', 'Кайбицкий район', 'Kaybitsky District', 'Большие Кайбицы', 'Bolshiye Kaybitsy'),
    ('kamsko-ustyinsky', 'municipal_district', 'Камско-Устьинский район', 'Kamsko-Ustyinsky District', 'Камское Устье', 'Kamskoye Ustye'),
    ('kukmorsky', 'municipal_district', 'Кукморский район', 'Kukmorsky District', 'Кукмор', 'Kukmor'),
    ('laishevsky', 'municipal_district', 'Лаишевский район', 'Laishevsky District', 'Лаишево', 'Laishevo'),
    ('leninogorsky', 'municipal_district', 'Лениногорский район', 'Leninogorsky District', 'Лениногорск', 'Leninogorsk'),
    ('mamadyshsky', 'municipal_district', 'Мамадышский район', 'Mamadyshsky District', 'Мамадыш', 'Mamadysh'),
    ('mendeleyevsky', 'municipal_district', 'Менделеевский район', 'Mendeleyevsky District', 'Менделеевск', 'Mendeleyevsk'),
    ('menzelinsky', 'municipal_district', 'Мензелинский район', 'Menzelinsky District', 'Мензелинск', 'Menzelinsk'),
    ('muslyumovsky', 'municipal_district', 'Муслюмовский район', 'Muslyumovsky District', 'Муслюмово', 'Muslyumovo'),
    ('nizhnekamsky', 'municipal_district', 'Нижнекамский район', 'Nizhnekamsky District', 'Нижнекамск', 'Nizhnekamsk'),
    ('novosheshminsky', 'municipal_district', 'Новошешминский район', 'Novosheshminsky District', 'Новошешминск', 'Novosheshminsk'),
    ('nurlatsky', 'municipal_district', 'Нурлатский район', 'Nurlatsky District', 'Нурлат', 'Nurlat'),
    ('pestrechinsky', 'municipal_district', 'Пестречинский район', 'Pestrechinsky District', 'Пестрецы', 'Pestretsy'),
    ('rybno-slobodsky', 'municipal_district', 'Рыбно-Слободский район', 'Rybno-Slobodsky District', 'Рыбная Слобода', 'Rybnaya Sloboda'),
    ('sabinsky', 'municipal_district', 'Сабинский район', 'Sabinsky District', 'Богатые Сабы', 'Bogatye Saby'),
    ('sarmanovsky', 'municipal_district', 'Сармановский район', 'Sarmanovsky District', 'Сарманово', 'Sarmanovo'),
    ('spassky', 'municipal_district', 'Спасский район', 'Spassky District', 'Болгар', 'Bolgar'),
    ('tetyushsky', 'municipal_district', 'Тетюшский район', 'Tetyushsky District', 'Тетюши', 'Tetyushi'),
    ('tukayevsky', 'municipal_district', 'Тукаевский район', 'Tukayevsky District', 'Набережные Челны', 'Naberezhnye Chelny'),
    ('tyulyachinsky', 'municipal_district', 'Тюлячинский район', 'Tyulyachinsky District', 'Тюлячи', 'Tyulyachi'),
    ('cheremshansky', 'municipal_district', 'Черемшанский район', 'Cheremshansky District', 'Черемшан', 'Cheremshan'),
    ('chistopolsky', 'municipal_district', 'Чистопольский район', 'Chistopolsky District', 'Чистополь', 'Chistopol'),
    ('yutazinsky', 'municipal_district', 'Ютазинский район', 'Yutazinsky District', 'Уруссу', 'Urussu'),
]


def load(apps, schema_editor):
    FederalSubject = apps.get_model("lyceums", "FederalSubject")
    Region = apps.get_model("lyceums", "Region")
    code, name_ru, name_en = SUBJECT
    subject, _ = FederalSubject.objects.update_or_create(
        code=code, defaults={"name_ru": name_ru, "name_en": name_en}
    )
    for region_code, kind, name_ru, name_en, centre_ru, centre_en in MUNICIPALITIES:
        Region.objects.update_or_create(
            code=region_code,
            defaults={
                "subject": subject,
                "kind": kind,
                "name_ru": name_ru,
                "name_en": name_en,
                "centre_ru": centre_ru,
                "centre_en": centre_en,
            },
        )


def unload(apps, schema_editor):
    Region = apps.get_model("lyceums", "Region")
    Region.objects.filter(code__in=[row[0] for row in MUNICIPALITIES], lyceums__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("lyceums", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
