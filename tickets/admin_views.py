"""Staff-only views mounted under /admin/ by TicketAdmin.get_urls."""

from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from .models import Attachment
from .selectors import can_view_ticket


def download_attachment(request: HttpRequest, attachment_id: int, *, model_admin: Any) -> Any:
    """Streams an attachment to a staff user who may see its ticket; anyone else gets a 404, so
    the ids of other queues' files are not even confirmed to exist."""
    attachment = (
        Attachment.objects.select_related("message__ticket").filter(pk=attachment_id).first()
    )
    if attachment is None:
        raise Http404
    ticket = attachment.message.ticket
    if not model_admin.has_view_permission(request, ticket) or not can_view_ticket(
        request.user, ticket
    ):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    # Always a download, never rendered inline: a customer's HTML or SVG must not run in the
    # staff user's session. The stored name is random; the customer's name is only a label.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
