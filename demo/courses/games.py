"""Разработка игр на Python с pygame."""

from .blocks import callout, code, heading, paragraph, question, quiz, video
from .structure import PRACTICE_SLUG, Course, Lesson

PYTHON_FULL_COURSE = "https://www.youtube.com/watch?v=rfscVS0vtbw"

COURSE = Course(
    track="games-multimedia",
    slug="python-game-development",
    title="Разработка игр на Python с pygame",
    summary="Создаём аркадную игру: окно, игровой цикл, управление, спрайты, столкновения и счёт.",
    description=(
        "<p>Курс для тех, кто знает основы Python и хочет сделать свою первую игру. Шаг за шагом "
        "вы напишете аркаду «Поймай звезду»: персонаж бегает по экрану, ловит падающие звёзды и "
        "набирает очки.</p><p>Понадобится Python 3.11 или новее и библиотека pygame "
        "(<code>pip install pygame</code>).</p>"
    ),
    level="intermediate",
    duration_hours=30,
    lessons=[
        Lesson(
            "pygame-window-and-loop",
            "Знакомство с pygame: окно и игровой цикл",
            "Устанавливаем pygame, открываем окно и разбираемся, как устроен игровой цикл.",
            [
                paragraph("""
                    <p>Любая игра — это цикл, который десятки раз в секунду повторяет три шага:
                    <b>обработать ввод</b> игрока, <b>обновить состояние</b> мира и
                    <b>нарисовать кадр</b>. Библиотека pygame берёт на себя работу с окном,
                    клавиатурой, графикой и звуком.</p>
                """),
                code("pip install pygame", language="bash", caption="Установка библиотеки"),
                heading("Минимальная программа"),
                code(
                    """
                    import pygame

                    pygame.init()
                    screen = pygame.display.set_mode((800, 600))
                    pygame.display.set_caption("Поймай звезду")
                    clock = pygame.time.Clock()

                    running = True
                    while running:
                        # 1. Ввод
                        for event in pygame.event.get():
                            if event.type == pygame.QUIT:
                                running = False
                        # 2. Обновление мира (пока пусто)
                        # 3. Отрисовка
                        screen.fill((20, 24, 48))
                        pygame.display.flip()
                        clock.tick(60)  # не больше 60 кадров в секунду

                    pygame.quit()
                    """,
                    caption="main.py",
                ),
                paragraph("""
                    <p><code>pygame.display.flip()</code> показывает нарисованный кадр на экране, а
                    <code>clock.tick(60)</code> притормаживает цикл, чтобы игра шла с одинаковой
                    скоростью на быстрых и медленных компьютерах.</p>
                """),
                callout(
                    "<p>Без обработки события <code>pygame.QUIT</code> окно нельзя будет закрыть "
                    "крестиком — придётся останавливать программу из терминала.</p>",
                    kind="warning",
                    title="Не забудьте про выход",
                ),
                video(
                    PYTHON_FULL_COURSE,
                    "Learn Python — Full Course for Beginners (на английском языке)",
                    "Видеокурс freeCodeCamp для повторения основ Python: переменные, условия, циклы, "
                    "функции и классы.",
                ),
            ],
            duration_minutes=40,
        ),
        Lesson(
            "drawing-and-coordinates",
            "Рисование и система координат",
            "Координаты экрана, цвета, прямоугольники Rect и отрисовка фигур.",
            [
                paragraph("""
                    <p>Экран в pygame — это сетка пикселей. Начало координат (0, 0) находится в
                    <b>левом верхнем</b> углу, ось X направлена вправо, а ось Y — <b>вниз</b>.
                    Цвет задаётся тремя числами от 0 до 255: красный, зелёный, синий.</p>
                """),
                code(
                    """
                    YELLOW = (255, 215, 0)
                    WHITE = (255, 255, 255)

                    player = pygame.Rect(380, 520, 40, 60)   # x, y, ширина, высота

                    screen.fill((20, 24, 48))
                    pygame.draw.rect(screen, WHITE, player, border_radius=6)
                    pygame.draw.circle(screen, YELLOW, (400, 100), 12)
                    """,
                    caption="Рисуем игрока и звезду",
                ),
                heading("Прямоугольник Rect"),
                paragraph("""
                    <p>Объект <code>pygame.Rect</code> хранит положение и размер и умеет многое:
                    <code>player.centerx</code> — центр по горизонтали, <code>player.move_ip(5, 0)</code>
                    сдвигает прямоугольник на месте, <code>player.clamp_ip(screen.get_rect())</code>
                    не даёт ему выйти за границы экрана.</p>
                """),
                quiz(
                    "games-coordinates",
                    [
                        question(
                            "Где находится точка (0, 0) в окне pygame?",
                            [
                                ("В левом нижнем углу", False),
                                ("В центре окна", False),
                                ("В левом верхнем углу", True),
                            ],
                            "Ось Y в компьютерной графике направлена вниз, поэтому начало координат — "
                            "левый верхний угол.",
                        ),
                        question(
                            "Что произойдёт с объектом, если каждый кадр увеличивать его координату y?",
                            [("Он будет двигаться вверх", False), ("Он будет двигаться вниз", True)],
                            "Так и падают звёзды в нашей игре: y растёт — объект опускается.",
                        ),
                        question(
                            "Какой кортеж задаёт чисто-красный цвет?",
                            [("(0, 0, 255)", False), ("(255, 0, 0)", True), ("(0, 255, 0)", False)],
                            "Порядок компонент — красный, зелёный, синий (RGB).",
                        ),
                    ],
                ),
            ],
        ),
        Lesson(
            "controls-and-movement",
            "Управление и движение",
            "Опрос клавиатуры, скорость, независимость от частоты кадров.",
            [
                paragraph("""
                    <p>Есть два способа узнать, что нажал игрок. События <code>KEYDOWN</code>
                    приходят один раз в момент нажатия — они подходят для прыжка или паузы. Функция
                    <code>pygame.key.get_pressed()</code> сообщает, какие клавиши удерживаются
                    сейчас, — она подходит для плавного движения.</p>
                """),
                code(
                    """
                    SPEED = 300  # пикселей в секунду

                    dt = clock.tick(60) / 1000  # сколько секунд прошло с прошлого кадра
                    keys = pygame.key.get_pressed()
                    if keys[pygame.K_LEFT] or keys[pygame.K_a]:
                        player.x -= SPEED * dt
                    if keys[pygame.K_RIGHT] or keys[pygame.K_d]:
                        player.x += SPEED * dt
                    player.clamp_ip(screen.get_rect())
                    """,
                    caption="Движение игрока влево и вправо",
                ),
                callout(
                    "<p>Умножая скорость на <code>dt</code> — время кадра, — мы получаем одинаковую "
                    "скорость персонажа при 30 и при 144 кадрах в секунду.</p>",
                    kind="tip",
                    title="Зачем нужен dt",
                ),
                heading("Пауза по клавише"),
                code(
                    """
                    paused = False
                    for event in pygame.event.get():
                        if event.type == pygame.QUIT:
                            running = False
                        elif event.type == pygame.KEYDOWN and event.key == pygame.K_p:
                            paused = not paused
                    """,
                ),
            ],
        ),
        Lesson(
            "sprites-collisions-score",
            "Спрайты, столкновения и счёт",
            "Классы Sprite и Group, проверка столкновений, вывод текста и счёта.",
            [
                paragraph("""
                    <p>Когда объектов становится много, удобно описать каждый вид объектов классом,
                    унаследованным от <code>pygame.sprite.Sprite</code>, а сами объекты хранить в
                    группах <code>pygame.sprite.Group</code>.</p>
                """),
                code(
                    """
                    import random


                    class Star(pygame.sprite.Sprite):
                        def __init__(self):
                            super().__init__()
                            self.image = pygame.Surface((24, 24), pygame.SRCALPHA)
                            pygame.draw.circle(self.image, (255, 215, 0), (12, 12), 12)
                            self.rect = self.image.get_rect(center=(random.randint(20, 780), -20))
                            self.speed = random.randint(120, 260)

                        def update(self, dt):
                            self.rect.y += self.speed * dt
                            if self.rect.top > 600:
                                self.kill()  # улетела за экран — убираем из всех групп


                    stars = pygame.sprite.Group()
                    """,
                    caption="Падающая звезда",
                ),
                heading("Столкновения"),
                code(
                    """
                    caught = [star for star in stars if player.colliderect(star.rect)]
                    for star in caught:
                        star.kill()
                    score += len(caught)

                    font = pygame.font.Font(None, 36)
                    label = font.render(f"Счёт: {score}", True, (255, 255, 255))
                    screen.blit(label, (16, 16))
                    """,
                    caption="Ловим звёзды и показываем счёт",
                ),
                callout(
                    "<p>Создавайте шрифт один раз до начала цикла: загрузка шрифта в каждом кадре "
                    "заметно замедляет игру.</p>",
                    kind="warning",
                    title="Производительность",
                ),
                quiz(
                    "games-sprites",
                    [
                        question(
                            "Что делает метод sprite.kill()?",
                            [
                                ("Завершает игру", False),
                                ("Стирает изображение с экрана навсегда", False),
                                ("Удаляет спрайт из всех групп, в которых он состоит", True),
                            ],
                            "После kill() спрайт больше не обновляется и не рисуется группами.",
                        ),
                        question(
                            "Какой метод Rect проверяет пересечение двух прямоугольников?",
                            [("collidepoint", False), ("colliderect", True), ("contains", False)],
                            "collidepoint проверяет точку, contains — полное вложение одного "
                            "прямоугольника в другой.",
                        ),
                        question(
                            "Какие шаги повторяет игровой цикл каждый кадр?",
                            [
                                ("Установка pygame", False),
                                ("Обработка ввода", True),
                                ("Обновление состояния мира", True),
                                ("Отрисовка кадра", True),
                            ],
                            "Ввод, обновление и отрисовка — три шага каждого кадра.",
                        ),
                    ],
                ),
            ],
        ),
        Lesson(
            PRACTICE_SLUG,
            "Практикум: игровая логика без графики",
            "Практическое задание в Jupyter-блокноте с автоматической проверкой.",
            [
                paragraph("""
                    <p>Логику игры — движение, столкновения, подсчёт очков — можно писать и проверять
                    отдельно от графики. В практическом задании вы напишете функции игровой логики в
                    Jupyter-блокноте; автоматическая проверка запустит для них тесты.</p>
                """),
                callout(
                    "<p>Перед отправкой выполните все ячейки блокнота по порядку и убедитесь, что "
                    "ни одна из них не завершилась ошибкой.</p>",
                    kind="tip",
                    title="Совет",
                ),
            ],
            duration_minutes=60,
        ),
    ],
)
