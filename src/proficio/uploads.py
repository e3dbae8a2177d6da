"""Uploads are limited while they stream in, before any action looks at them.

Django reads a multipart body through its upload handlers, chunk by chunk. The one here goes
first in ``FILE_UPLOAD_HANDLERS``:

- A request whose declared length is over ``PROFICIO_MAX_REQUEST_BYTES`` is refused before
  a byte of it is read (``RequestDataTooBig``, answered with a 400).
- A file that grows past ``PROFICIO_MAX_UPLOAD_BYTES`` stops being kept there: the rest of
  its bytes are counted and dropped, never buffered in memory or written to disk, and the
  file arrives as an empty ``OversizedUpload`` whose ``size`` is what was sent. The action
  that receives it (``evidence.actions.check_upload``, the framework import) then refuses it
  on its field, with the limit in the message, like any other file that is too large.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(InMemoryUploadedFile):
    """A file that was larger than any upload we keep: no content, only its size."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(BytesIO(), "file", name, content_type, size, charset)


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > settings.PROFICIO_MAX_REQUEST_BYTES:
            raise RequestDataTooBig(
                f"The request is larger than {settings.PROFICIO_MAX_REQUEST_BYTES} bytes."
            )

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.PROFICIO_MAX_UPLOAD_BYTES:
            return None  # dropped: the handlers after this one never see it
        return raw_data

    def file_complete(self, file_size: int) -> OversizedUpload | None:
        if self.received > settings.PROFICIO_MAX_UPLOAD_BYTES:
            return OversizedUpload(
                self.file_name or "file", self.content_type or "", self.received, self.charset
            )
        return None  # within the limit: the next handler (memory or temporary file) has it
