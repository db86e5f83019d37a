#!/bin/sh
# Remove what install.sh put in place (same PREFIX). Your FaceAudit data folder is kept:
# run `faceaudit wipe` first to delete it.
set -eu
PREFIX=${PREFIX:-$HOME/.local}
APP_ID=io.github.faceaudit.FaceAudit
APP_DIR=$PREFIX/lib/faceaudit

for name in faceaudit faceaudit-app; do
    link=$PREFIX/bin/$name
    # Only our own links: never a different program that happens to have the same name.
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$APP_DIR/$name" ]; then
        rm -f "$link"
    fi
done
rm -rf "$APP_DIR"
rm -f "$PREFIX/share/applications/$APP_ID.desktop" "$PREFIX/share/metainfo/$APP_ID.metainfo.xml"
rm -f "$PREFIX"/share/icons/hicolor/*/apps/$APP_ID.png "$PREFIX"/share/icons/hicolor/*/apps/$APP_ID.svg

command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
echo "FaceAudit removed from $PREFIX"
