app_name = "lyceums"
urlpatterns: list = []
