"""Введение в веб-разработку: HTML, CSS и JavaScript."""

from .blocks import callout, code, heading, paragraph, question, quiz, video
from .structure import PRACTICE_SLUG, Course, Lesson

HTML_CRASH_COURSE = "https://www.youtube.com/watch?v=UB1O30fR-EE"

COURSE = Course(
    track="web-development",
    slug="intro-web-development",
    title="Введение в веб-разработку: HTML, CSS и JavaScript",
    summary="Первый сайт с нуля: разметка HTML, оформление CSS и интерактивность на JavaScript.",
    description=(
        "<p>Курс для тех, кто ни разу не делал сайтов. За пять уроков вы разберётесь, как браузер "
        "получает и показывает страницу, сверстаете собственную страницу-визитку, оформите её с "
        "помощью CSS и добавите интерактивность на JavaScript.</p>"
        "<p>Для работы нужен только браузер и текстовый редактор, например VS Code.</p>"
    ),
    duration_hours=24,
    lessons=[
        Lesson(
            "how-the-web-works",
            "Как устроен веб",
            "Клиент и сервер, адрес страницы, протокол HTTP и роль браузера.",
            [
                paragraph("""
                    <p>Когда вы открываете сайт, ваш браузер (клиент) отправляет запрос на компьютер,
                    который хранит сайт (сервер). Сервер отвечает текстом страницы на языке HTML, а
                    браузер превращает этот текст в то, что вы видите на экране.</p>
                """),
                heading("Адрес страницы"),
                paragraph("""
                    <p>Адрес <code>https://lyceum.example/catalog/?track=python</code> состоит из
                    нескольких частей:</p>
                    <ul>
                    <li><b>https</b> — протокол, по которому идёт обмен (защищённый HTTP);</li>
                    <li><b>lyceum.example</b> — доменное имя сервера;</li>
                    <li><b>/catalog/</b> — путь к странице на сервере;</li>
                    <li><b>?track=python</b> — параметры запроса.</li>
                    </ul>
                """),
                heading("Запрос и ответ"),
                paragraph("<p>Вот как выглядит простейший HTTP-запрос и начало ответа сервера:</p>"),
                code(
                    """
                    GET /catalog/ HTTP/1.1
                    Host: lyceum.example
                    Accept-Language: ru

                    HTTP/1.1 200 OK
                    Content-Type: text/html; charset=utf-8

                    <!DOCTYPE html>
                    <html lang="ru"> ...
                    """,
                    language="text",
                    caption="Запрос браузера и ответ сервера",
                ),
                paragraph("""
                    <p>Число <b>200</b> в ответе — код состояния: всё хорошо. Вы наверняка встречали
                    код <b>404</b> — «страница не найдена». Коды 5xx означают ошибку на сервере.</p>
                """),
                callout(
                    "<p>Откройте в браузере инструменты разработчика (клавиша F12), вкладку «Сеть», и "
                    "обновите любую страницу. Вы увидите все запросы, которые браузер отправил, чтобы "
                    "её показать: сам HTML, стили, скрипты и картинки.</p>",
                    kind="tip",
                    title="Попробуйте сами",
                ),
                heading("Три языка веб-страницы"),
                paragraph("""
                    <p>Страница строится из трёх слоёв: <b>HTML</b> описывает содержание и структуру,
                    <b>CSS</b> — внешний вид, <b>JavaScript</b> — поведение. В следующих уроках мы
                    разберём каждый из них.</p>
                """),
                video(
                    HTML_CRASH_COURSE,
                    "HTML Crash Course for Absolute Beginners (на английском языке)",
                    "Видеокурс Traversy Media: основные теги HTML, формы и структура документа.",
                ),
            ],
            duration_minutes=40,
        ),
        Lesson(
            "html-structure",
            "HTML: структура страницы",
            "Теги и атрибуты, заголовки, списки, ссылки, изображения и семантическая разметка.",
            [
                paragraph("""
                    <p>HTML (HyperText Markup Language) — язык разметки. Он не «программирует», а
                    говорит браузеру, какая часть текста является заголовком, абзацем, ссылкой или
                    списком. Для этого используются <b>теги</b>: <code>&lt;p&gt;</code> открывает абзац,
                    <code>&lt;/p&gt;</code> закрывает его.</p>
                """),
                heading("Каркас документа"),
                code(
                    """
                    <!DOCTYPE html>
                    <html lang="ru">
                    <head>
                      <meta charset="utf-8">
                      <title>Визитка — Алина Сафина</title>
                    </head>
                    <body>
                      <header>
                        <h1>Алина Сафина</h1>
                        <p>Ученица IT-лицея, люблю веб-дизайн и фотографию.</p>
                      </header>
                      <main>
                        <h2>Мои проекты</h2>
                        <ul>
                          <li><a href="https://example.org/photo">Фотоальбом класса</a></li>
                          <li>Игра «Змейка» на Python</li>
                        </ul>
                        <img src="portrait.jpg" alt="Алина на фестивале проектов">
                      </main>
                    </body>
                    </html>
                    """,
                    language="html",
                    caption="Страница-визитка",
                ),
                heading("Атрибуты"),
                paragraph("""
                    <p>Атрибуты уточняют тег: <code>href</code> у ссылки задаёт адрес перехода,
                    <code>src</code> у изображения — путь к файлу, а <code>alt</code> — текстовое
                    описание картинки для тех, кто не может её увидеть.</p>
                """),
                callout(
                    "<p>Атрибут <code>alt</code> обязателен: программы экранного доступа зачитывают его "
                    "незрячим пользователям, а поисковые системы по нему понимают, что изображено.</p>",
                    kind="warning",
                    title="Доступность",
                ),
                heading("Семантическая разметка"),
                paragraph("""
                    <p>Теги <code>&lt;header&gt;</code>, <code>&lt;nav&gt;</code>, <code>&lt;main&gt;</code>,
                    <code>&lt;article&gt;</code> и <code>&lt;footer&gt;</code> выглядят так же, как
                    обычный <code>&lt;div&gt;</code>, но сообщают смысл частей страницы. Заголовки
                    <code>h1</code>–<code>h6</code> выстраивают оглавление: на странице один
                    <code>h1</code>, а уровни не пропускаются.</p>
                """),
                quiz(
                    "web-html-structure",
                    [
                        question(
                            "Какой тег создаёт ссылку на другую страницу?",
                            [("<link>", False), ("<href>", False), ("<a>", True), ("<url>", False)],
                            "Ссылка — это тег <a>, а адрес указывается в атрибуте href. Тег <link> "
                            "подключает к документу внешние ресурсы, например стили.",
                        ),
                        question(
                            "Для чего нужен атрибут alt у изображения?",
                            [
                                ("Задаёт ширину изображения", False),
                                ("Задаёт текстовую альтернативу для программ экранного доступа", True),
                                ("Делает изображение ссылкой", False),
                            ],
                            "alt описывает изображение словами; его зачитывают программы экранного "
                            "доступа и показывает браузер, если картинка не загрузилась.",
                        ),
                        question(
                            "Какие из тегов относятся к семантической разметке?",
                            [("<div>", False), ("<main>", True), ("<b>", False), ("<nav>", True)],
                            "<main> и <nav> сообщают роль части страницы. <div> — универсальный "
                            "контейнер без смысла, <b> — только выделение текста.",
                        ),
                    ],
                ),
            ],
        ),
        Lesson(
            "css-styling",
            "CSS: оформление и вёрстка",
            "Селекторы, цвета и шрифты, блочная модель и раскладка с помощью Flexbox.",
            [
                paragraph("""
                    <p>CSS (Cascading Style Sheets) описывает, как должны выглядеть элементы HTML.
                    Правило CSS состоит из <b>селектора</b> (к каким элементам применять) и
                    <b>объявлений</b> (что именно изменить).</p>
                """),
                code(
                    """
                    /* style.css */
                    body {
                      font-family: system-ui, sans-serif;
                      line-height: 1.5;
                      color: #1f2328;
                    }

                    h1 {
                      color: #0b5394;
                    }

                    .card {
                      padding: 1rem;
                      border: 1px solid #d0d7de;
                      border-radius: 0.5rem;
                    }
                    """,
                    language="css",
                    caption='Подключается в <head>: <link rel="stylesheet" href="style.css">',
                ),
                heading("Блочная модель"),
                paragraph("""
                    <p>Каждый элемент — прямоугольник из четырёх слоёв: содержимое, внутренний отступ
                    (<code>padding</code>), рамка (<code>border</code>) и внешний отступ
                    (<code>margin</code>). Свойство <code>box-sizing: border-box</code> заставляет
                    ширину включать отступы и рамку — так считать размеры гораздо проще.</p>
                """),
                heading("Раскладка Flexbox"),
                paragraph("""
                    <p>Чтобы расположить карточки проектов в ряд и равномерно распределить
                    свободное место, достаточно сделать их родителя flex-контейнером:</p>
                """),
                code(
                    """
                    .projects {
                      display: flex;
                      flex-wrap: wrap;
                      gap: 1rem;
                    }

                    .projects .card {
                      flex: 1 1 15rem;  /* растягивается, сжимается, базовая ширина 15rem */
                    }
                    """,
                    language="css",
                ),
                callout(
                    "<p>Цвет текста должен быть достаточно контрастным по отношению к фону: для "
                    "обычного текста отношение контрастности не ниже 4.5:1. Проверить его можно "
                    "во вкладке «Доступность» инструментов разработчика.</p>",
                    kind="tip",
                    title="Контраст",
                ),
                heading("Адаптивность"),
                paragraph("""
                    <p>Медиазапросы позволяют менять оформление в зависимости от ширины экрана,
                    например показывать карточки в одну колонку на телефоне:</p>
                """),
                code(
                    """
                    @media (max-width: 600px) {
                      .projects {
                        flex-direction: column;
                      }
                    }
                    """,
                    language="css",
                ),
            ],
        ),
        Lesson(
            "javascript-basics",
            "JavaScript: делаем страницу интерактивной",
            "Переменные и функции, поиск элементов в DOM, обработка событий.",
            [
                paragraph("""
                    <p>JavaScript — язык программирования, который выполняется прямо в браузере. С
                    его помощью страница реагирует на действия пользователя: нажатия, ввод текста,
                    прокрутку.</p>
                """),
                heading("DOM — дерево документа"),
                paragraph("""
                    <p>Браузер превращает HTML в дерево объектов — DOM (Document Object Model).
                    JavaScript находит в нём элементы и изменяет их.</p>
                """),
                code(
                    """
                    <button id="theme-toggle" type="button">Тёмная тема</button>
                    <script src="app.js" defer></script>
                    """,
                    language="html",
                ),
                code(
                    """
                    // app.js
                    const button = document.querySelector("#theme-toggle");

                    button.addEventListener("click", () => {
                      const dark = document.body.classList.toggle("dark");
                      button.textContent = dark ? "Светлая тема" : "Тёмная тема";
                    });
                    """,
                    language="javascript",
                    caption="Переключатель темы оформления",
                ),
                paragraph("""
                    <p><code>querySelector</code> принимает тот же селектор, что и CSS.
                    <code>addEventListener</code> подписывается на событие: функция будет вызвана
                    при каждом нажатии на кнопку.</p>
                """),
                heading("Переменные и функции"),
                code(
                    """
                    const hoursPerLesson = 2;        // значение, которое не меняется
                    let lessonsDone = 0;             // значение, которое будет меняться

                    function progress(done, total) {
                      return Math.round((done / total) * 100);
                    }

                    lessonsDone += 3;
                    console.log(`Пройдено ${progress(lessonsDone, 5)}% курса`);  // Пройдено 60% курса
                    """,
                    language="javascript",
                ),
                callout(
                    "<p>Подключайте скрипты с атрибутом <code>defer</code>: так браузер сначала "
                    "построит страницу, и к моменту запуска скрипта все элементы уже будут в DOM.</p>",
                    kind="info",
                    title="Где подключать скрипт",
                ),
                quiz(
                    "web-javascript-basics",
                    [
                        question(
                            'Что вернёт document.querySelector("#menu")?',
                            [
                                ("Список всех элементов с классом menu", False),
                                ("Текст элемента menu", False),
                                ('Первый элемент с id="menu" или null', True),
                            ],
                            "querySelector возвращает первый подходящий элемент, а если такого нет — "
                            "null. Все совпадения возвращает querySelectorAll.",
                        ),
                        question(
                            "Чем объявление const отличается от let?",
                            [
                                ("const работает только внутри функций", False),
                                ("Переменной const нельзя присвоить новое значение", True),
                                ("Разницы нет", False),
                            ],
                            "const запрещает повторное присваивание; let используется для значений, "
                            "которые будут меняться, например для счётчиков.",
                        ),
                        question(
                            "Какой метод подписывает элемент на событие нажатия?",
                            [
                                ('onEvent("press", ...)', False),
                                ('listen("click", ...)', False),
                                ('addEventListener("click", ...)', True),
                            ],
                            "addEventListener принимает имя события и функцию-обработчик.",
                        ),
                    ],
                ),
            ],
        ),
        Lesson(
            PRACTICE_SLUG,
            "Практикум: проверяем разметку программой",
            "Практическое задание в Jupyter-блокноте с автоматической проверкой.",
            [
                paragraph("""
                    <p>В этом уроке вы выполните практическое задание в Jupyter-блокноте. Блокнот
                    откроется в JupyterHub прямо из портала; после отправки решение проверяется
                    автоматически, а оценка и комментарии появляются на этой странице.</p>
                """),
                callout(
                    "<p>Перед отправкой выполните все ячейки блокнота по порядку (меню «Run → Run All "
                    "Cells») и убедитесь, что ни одна из них не завершилась ошибкой.</p>",
                    kind="tip",
                    title="Совет",
                ),
            ],
            duration_minutes=60,
        ),
    ],
)
