"""REST endpoints of the lyceum network: statistics by municipality and by lyceum, scoped by
`lyceums.scoping` (403 for a municipality outside the caller's scope)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import dashboards, scoping
from .models import Region


class StatsSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    learners = serializers.IntegerField()
    active_7d = serializers.IntegerField()
    active_30d = serializers.IntegerField()
    enrolments = serializers.IntegerField()
    completions = serializers.IntegerField()
    completion_rate = serializers.FloatField(help_text=_("Completions per enrolment, per cent."))
    avg_score = serializers.FloatField(allow_null=True, help_text=_("Average exercise score, per cent."))
    at_risk = serializers.IntegerField(
        help_text=_("Learners inactive for 14 days or behind schedule in an active course.")
    )
    behind_schedule = serializers.IntegerField(
        help_text=_("Learners still active in a course after its expected length.")
    )
    teachers_enrolled = serializers.IntegerField()
    teachers_completed = serializers.IntegerField()


class RegionStatsSerializer(StatsSerializer):
    lyceums = serializers.IntegerField()


class RegionStatsView(APIView):
    """Totals of every municipality the caller may see (coordinators: theirs; administrators: all)."""

    @extend_schema(responses=RegionStatsSerializer(many=True), operation_id="stats_regions_list")
    def get(self, request: Request) -> Response:
        if not scoping.can_see_dashboards(request.user):
            raise PermissionDenied(_("Statistics are for coordinators and administrators."))
        rows = dashboards.region_rows(regions=scoping.visible_regions(request.user))
        return Response(RegionStatsSerializer(rows, many=True).data)


class RegionLyceumStatsView(APIView):
    """Per-lyceum totals of one municipality; 403 when it is outside the caller's scope."""

    @extend_schema(responses=StatsSerializer(many=True), operation_id="stats_region_lyceums_list")
    def get(self, request: Request, code: str) -> Response:
        region = get_object_or_404(Region, code=code)
        if not scoping.can_see_region(request.user, region):
            raise PermissionDenied(_("This municipality is outside your scope."))
        rows = dashboards.lyceum_rows(lyceums=scoping.stats_lyceums(request.user).filter(region=region))
        return Response(StatsSerializer(rows, many=True).data)


urlpatterns = [
    path("stats/regions/", RegionStatsView.as_view(), name="api-stats-regions"),
    path(
        "stats/regions/<slug:code>/lyceums/", RegionLyceumStatsView.as_view(), name="api-stats-region-lyceums"
    ),
]
