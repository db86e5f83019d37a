#!/bin/sh
# Install FaceAudit for the current user (no root): the app folder, two commands, menu entry.
#   ./install.sh                 into ~/.local
#   PREFIX=/opt/x ./install.sh   somewhere else (then PREFIX/bin must be on PATH)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
APP_ID=io.github.faceaudit.FaceAudit
APP_DIR=$PREFIX/lib/faceaudit

if [ ! -x "$HERE/FaceAudit/faceaudit-app" ]; then
    echo "install.sh: run me from the unpacked FaceAudit tarball" >&2
    exit 1
fi
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo"

# Replace a previous version as a whole: stale files from it must not mix with the new ones.
rm -rf "$APP_DIR.new"
cp -a "$HERE/FaceAudit" "$APP_DIR.new"
rm -rf "$APP_DIR"
mv "$APP_DIR.new" "$APP_DIR"

ln -sfn "$APP_DIR/faceaudit-app" "$PREFIX/bin/faceaudit-app"
ln -sfn "$APP_DIR/faceaudit" "$PREFIX/bin/faceaudit"

# The menu entry names the program by its full path: ~/.local/bin is not always on a
# desktop session's PATH.
sed "s|^Exec=faceaudit-app|Exec=$APP_DIR/faceaudit-app|" \
    "$HERE/share/applications/$APP_ID.desktop" > "$PREFIX/share/applications/$APP_ID.desktop"
cp "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/"
for icon in "$HERE"/share/icons/hicolor/*/apps/*; do
    size=$(basename "$(dirname "$(dirname "$icon")")")
    mkdir -p "$PREFIX/share/icons/hicolor/$size/apps"
    cp "$icon" "$PREFIX/share/icons/hicolor/$size/apps/"
done

# Refresh the menu and icon caches where the tools exist; a missing tool is not an error.
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true

echo "FaceAudit installed in $APP_DIR"
echo "  desktop app:  $PREFIX/bin/faceaudit-app (also in the applications menu)"
echo "  command line: $PREFIX/bin/faceaudit"
echo "  remove it with: $HERE/uninstall.sh (your data folder is kept; 'faceaudit wipe' deletes it)"
