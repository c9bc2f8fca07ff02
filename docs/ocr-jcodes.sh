#!/bin/bash
# Usage: docs/ocr-jcodes.sh file.pdf   (needs poppler-utils and tesseract-ocr)
# Renders each page at 300 dpi, crops the left 260 pt of the table (date,
# POS, code, modifiers, pointers: x 40-300 pt), OCRs it with tesseract and
# counts J-code tokens read exactly vs with extra characters.
set -e
pdf=$1; work=$(mktemp -d /tmp/ocr-jcodes.XXXX)
pdftoppm -r 300 -x 166 -y 0 -W 1084 -H 3300 -png "$pdf" "$work/p"
truth=$(pdftotext "$pdf" - | grep -oE '\bJ[0-9]{4}\b' | wc -l)
: > "$work/all.txt"
for f in "$work"/p-*.png; do tesseract "$f" - 2>/dev/null >> "$work/all.txt"; done
exact=$(grep -oE '(^|[[:space:]])J[0-9]{4}([[:space:]]|$)' "$work/all.txt" | wc -l)
anyj=$(grep -oE '[^[:space:]]*J[0-9]{4}[^[:space:]]*' "$work/all.txt" | wc -l)
echo "J-codes printed: $truth; read exactly: $exact; read with extra characters: $((anyj-exact)); not found: $((truth-anyj))"
grep -oE '[^[:space:]]*J[0-9]{4}[^[:space:]]*' "$work/all.txt" | sort | uniq -c | sort -rn | head
cp "$work/all.txt" "$pdf.ocr.txt"  # what tesseract read, beside the PDF
rm -rf "$work"
