"""Views of the portal outside the page tree: enrolment, quizzes, My learning and certificates. Thin:
they read through `courses.selectors` and write through `courses.services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lms.consent import study_refusal
from lms.page_memo import page_memo_site

from . import selectors, services, signals
from .certificates import certificate_pdf as render_certificate_pdf
from .forms import CertificateCheckForm
from .models import Certificate, CoursePage, Enrolment, LessonPage


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The menu's "Catalogue" entry: the live catalogue page, wherever editors put it, with the same
    search and filters (a bookmarked `/learning/catalogue/?q=…` keeps its query)."""
    page = selectors.catalog_page(request)
    if page is None:
        raise Http404(_("The course catalogue has not been published yet."))
    query = request.GET.urlencode()
    return redirect(f"{page.get_url(request)}?{query}" if query else page.get_url(request))


@login_required
@require_GET
def my_learning(request: HttpRequest) -> HttpResponse:
    page_memo_site(request)
    return render(
        request,
        "courses/my_learning.html",
        {
            "enrolments": selectors.learner_enrolments(user=request.user, request=request),
            "catalog": selectors.catalog_page(request),
        },
    )


@login_required
@require_POST
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    if refusal := study_refusal(request):
        return refusal
    course = get_object_or_404(CoursePage.objects.live().public(), pk=course_id)
    try:
        enrolment = services.enrolment_create(user=request.user, course=course)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        if enrolment.status == Enrolment.Status.COMPLETED:
            messages.info(request, _("You have already completed this course."))
        else:
            messages.success(request, _("You are enrolled. Welcome to the course!"))
    return redirect(course.get_url(request))


@login_required
@require_POST
def withdraw(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    # The enrolment is on the default language's course, whichever translation the learner left from.
    enrolment = get_object_or_404(
        Enrolment, user=request.user, course__translation_key=course.translation_key
    )
    try:
        services.enrolment_withdraw(enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("You have left the course."))
    return redirect(course.get_url(request))


@login_required
@require_POST
def quiz_submit(request: HttpRequest, lesson_id: int, quiz_id: str) -> HttpResponse:
    if refusal := study_refusal(request):
        return refusal
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=lesson_id)
    course = lesson.course
    if not selectors.can_view_lessons(user=request.user, course=course):
        messages.error(request, _("Enrol in the course to take its quizzes."))
        return redirect(course.get_url(request))
    try:
        attempt = services.quiz_attempt_submit(
            user=request.user, lesson=lesson, quiz_id=quiz_id, data=request.POST
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        text = _("Your result: %(score)s of %(max)s.") % {"score": attempt.score, "max": attempt.max_score}
        if attempt.passed:
            messages.success(request, text + " " + _("Quiz passed."))
        else:
            messages.warning(request, text + " " + _("Not passed yet: read the explanations and try again."))
    return redirect(lesson.get_url(request) + f"#quiz-{quiz_id}")


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The certificate as a PDF, for its owner and for staff who may see the learner."""
    certificate = selectors.certificate_for_download(user=request.user, number=number)
    if certificate is None:
        raise Http404(_("No such certificate."))
    if certificate.enrolment.user_id != request.user.pk:
        signals.learner_record_accessed.send(
            sender=Certificate,
            viewer=request.user,
            learner=certificate.enrolment.user,
            action="certificate",
            detail=certificate.number,
            path=request.path,
        )
    response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _verification_response(request: HttpRequest, certificate: Certificate | None, form) -> HttpResponse:
    return render(
        request,
        "courses/certificate_verify.html",
        {
            "certificate": certificate,
            # The title in the reader's language when the course had that translation at issue.
            "course_title": certificate.title_in(translation.get_language()) if certificate else "",
            "form": form,
            "checked": True,
        },
        status=200 if certificate is not None else 404,
    )


@require_GET
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: confirms a certificate by its verification code (the QR code points here)."""
    certificate = selectors.certificate_by_code(code=code)
    return _verification_response(request, certificate, CertificateCheckForm())


@require_GET
def certificate_check(request: HttpRequest) -> HttpResponse:
    """Public: a form to type a certificate's number and verification code."""
    if not request.GET:
        return render(
            request, "courses/certificate_verify.html", {"form": CertificateCheckForm(), "checked": False}
        )
    form = CertificateCheckForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "checked": False}
        return render(request, "courses/certificate_verify.html", context, status=400)
    certificate = selectors.certificate_by_code(code=form.cleaned_data["code"])
    if certificate is not None and certificate.number != form.cleaned_data["number"].strip().upper():
        certificate = None
    if certificate is not None:
        return redirect(reverse("courses:certificate_verify", args=[certificate.verification_code]))
    return _verification_response(request, None, form)
