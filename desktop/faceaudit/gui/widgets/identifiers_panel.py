"""My identifiers besides my face: accounts, photo addresses, names, and the hashes of photos I uploaded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceaudit.core.matching.identifiers import (
    IdentifierError,
    IdentifierKind,
    IdentifierSource,
    add_identifier,
    add_photo_hashes,
    list_identifiers,
    remove_identifier,
)
from faceaudit.gui.support.operations import Job, run_generator
from faceaudit.gui.widgets.page_parts import Notice

__all__ = ["IdentifiersPanel"]

_KIND_WORDS = {
    IdentifierKind.FLICKR_ACCOUNT: "Flickr account",
    IdentifierKind.FLICKR_PHOTO: "Flickr photo",
    IdentifierKind.URL: "Address",
    IdentifierKind.NAME: "Name",
    IdentifierKind.SHA256: "SHA-256",
    IdentifierKind.MD5: "MD5",
}


class IdentifiersPanel(QWidget):
    """Add, list and remove my identifiers; hash a folder of photos in the background.

    Datasets published as lists of links (FFHQ, MegaFace, LAION…) have no faces to compare:
    their rows are searched for these.

    Signals:
        changed(): an identifier was added or removed.
    """

    changed = Signal()

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self._job: Job | None = None
        self._last = None  # the last progress record of a folder being hashed
        title = QLabel("Your accounts, photo addresses and names")
        font = QFont(title.font())
        font.setBold(True)
        title.setFont(font)
        help_text = QLabel("Some datasets were published as lists of links, not photos. FaceAudit searches them for "
                           "these: a Flickr user name or NSID, the address of one of your photos or of your profile, "
                           "your name, and the fingerprints (hashes) of photos you uploaded.")
        help_text.setWordWrap(True)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText('flickr:your-name   ·   https://www.flickr.com/photos/…   ·   name:"First Last"')
        self.entry.setAccessibleName("New identifier")
        self.entry.returnPressed.connect(self._on_add)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add what you typed: an account, a photo or profile address, or a name")
        self.add_button.clicked.connect(self._on_add)
        self.hash_button = QPushButton("Add photo fingerprints…")
        self.hash_button.setToolTip("Choose a folder of photos you once uploaded: only their hashes are kept, "
                                    "never the photos or their names")
        self.hash_button.clicked.connect(self._on_hash_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected identifier (Delete)")
        self.remove_button.clicked.connect(self._on_remove)
        entry_row = QHBoxLayout()
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.add_button)
        entry_row.addWidget(self.hash_button)
        entry_row.addWidget(self.remove_button)
        self.notice = Notice()
        self.list = QListWidget()
        self.list.setAccessibleName("Your identifiers")
        self.list.currentItemChanged.connect(lambda current, _previous: self._update_buttons())
        QShortcut(QKeySequence.StandardKey.Delete, self.list, self._on_remove)
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(title)
        layout.addWidget(help_text)
        layout.addLayout(entry_row)
        layout.addWidget(self.notice)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.summary)
        self.refresh()

    # -- public API (also what the tests drive) --------------------------------------------

    def add(self, text: str) -> bool:
        """Add an identifier; a text that is none says why in the panel. True when added."""
        try:
            found = add_identifier(self.store, text)
        except IdentifierError as exc:
            self.notice.show_error(str(exc)[0].upper() + str(exc)[1:])
            return False
        self.notice.show_info(f"Added {found.label}.")
        self.entry.clear()
        self.refresh(select=found.id)
        self.changed.emit()
        return True

    def add_folder_hashes(self, folder: str | Path) -> None:
        """Hash every photo of a folder in the background (only the hashes are kept)."""
        if self._job is not None:
            return
        self.hash_button.setEnabled(False)
        self.notice.show_info("Reading the photos…")
        self._job = run_generator(lambda store: add_photo_hashes(store, folder), self, progress=self._on_hash_progress,
                                  failed=self._on_hash_failed, ended=self._on_hash_ended)

    @property
    def busy(self) -> bool:
        """True while a folder is being hashed."""
        return self._job is not None

    def identifiers(self) -> list[str]:
        """The labels listed, in order."""
        return [self.list.item(row).text() for row in range(self.list.count())]

    def refresh(self, select: int | None = None) -> None:
        """Reload the identifiers from the database."""
        found = list_identifiers(self.store)
        self.list.clear()
        for identifier in (i for i in found if i.source == IdentifierSource.TYPED):
            item = QListWidgetItem(f"{_KIND_WORDS[identifier.kind]}:  {_shown(identifier)}")
            item.setData(Qt.ItemDataRole.UserRole, identifier.id)
            self.list.addItem(item)
            if identifier.id == select:
                self.list.setCurrentItem(item)
        folder = sum(1 for i in found if i.source == IdentifierSource.PHOTO_HASHES) // 2
        references = sum(1 for i in found
                         if i.source == IdentifierSource.REFERENCE_PHOTO and i.kind is IdentifierKind.SHA256)
        parts = []
        if folder:
            parts.append(f"fingerprints of {folder} photo{'s' if folder != 1 else ''} you uploaded")
        if references:
            parts.append(f"fingerprints of your {references} reference photo{'s' if references != 1 else ''}")
        self.summary.setText(("Also searched for: " + " and ".join(parts) + ".") if parts else
                             "Your reference photos' fingerprints are searched for too, once you add photos above.")
        self._update_buttons()

    def stop(self) -> None:
        """Stop hashing (when the window closes)."""
        if self._job:
            self._job.stop()
            self._job = None

    # -- slots -----------------------------------------------------------------------------

    def _on_add(self) -> None:
        if self.entry.text().strip():
            self.add(self.entry.text())

    def _on_remove(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        remove_identifier(self.store, item.data(Qt.ItemDataRole.UserRole))
        self.notice.show_info(f"Removed {item.text().split(':  ', 1)[-1]}.")
        self.refresh()
        self.changed.emit()

    def _on_hash_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of photos you uploaded", str(Path.home()))
        if folder:
            self.add_folder_hashes(folder)

    def _on_hash_progress(self, progress) -> None:
        self._last = progress
        self.notice.show_info(f"Read {progress.photos} photo{'s' if progress.photos != 1 else ''}…")

    def _on_hash_failed(self, message: str) -> None:
        self._last = None
        self.notice.show_error(message[0].upper() + message[1:] if message else message)

    def _on_hash_ended(self) -> None:
        self._job = None
        self.hash_button.setEnabled(True)
        last = self._last
        if last is not None:
            unread = f" {len(last.unreadable)} could not be read." if last.unreadable else ""
            self.notice.show_info(f"Kept the fingerprints of {last.photos} photo{'s' if last.photos != 1 else ''} "
                                  f"({last.added} new); the photos themselves are not kept.{unread}")
        self._last = None
        self.refresh()
        self.changed.emit()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.list.currentItem() is not None)


def _shown(identifier) -> str:
    """The identifier as typed, without the prefix its kind's word already says."""
    label = identifier.label
    for prefix in ("flickr:", "url:", "name:", "Flickr photo ", f"{identifier.kind}:"):
        if label.startswith(prefix):
            return label[len(prefix):]
    return label
