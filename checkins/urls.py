from django.urls import path

from . import archive_views, review_views, views

app_name = "checkins"

urlpatterns = [
    path("checkins/today/", views.today, name="today"),
    path("checkins/history/", views.history, name="history"),
    path("checkins/<id:checkin_id>/", views.detail, name="detail"),
    path("checkins/<id:checkin_id>/react/", views.react, name="react"),
    path("checkins/<id:checkin_id>/react/undo/", views.react_undo, name="react_undo"),
    path("review/", review_views.review_home, name="review_home"),
    path("review/rhythm/", review_views.rhythm_edit, name="rhythm"),
    path("review/trends/", review_views.trends, name="trends"),
    path("review/calendar/", review_views.calendar_settings, name="calendar"),
    path("review/calendar/<str:token>.ics", review_views.calendar_ics, name="calendar_ics"),
    path("review/topics/", review_views.topic_park, name="topic_park"),
    path("review/topics/<id:topic_id>/talked/", review_views.topic_talked, name="topic_talked"),
    path("review/<id:review_id>/", review_views.review_detail, name="review"),
    path("review/<id:review_id>/focus/", review_views.review_focus, name="review_focus"),
    path("review/<id:review_id>/move/", review_views.review_move, name="review_move"),
    path("archive/", archive_views.archive_home, name="archive"),
    path("archive/<id:couple_id>/", archive_views.archive_couple, name="archive_couple"),
    path("archive/reviews/<id:review_id>/", archive_views.archive_review, name="archive_review"),
]
