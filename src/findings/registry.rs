//! Every finding code the tool can report, in one place: its default
//! severity, where it sits in a chain of causes, what it means and how to
//! fix it. `superbill explain CODE` prints an entry, the README's table of
//! codes is checked against this list by a test, and `Findings::push`
//! refuses (in debug builds) a code that is not here, so a new check cannot
//! ship without its explanation.

use super::Severity;

/// How far a finding reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The whole input file cannot be read as a table: every superbill
    /// would be wrong, so the batch stops before it writes anything.
    File,
    /// One row (or one day of a patient's sessions): that row is rejected
    /// and the patient's superbill is held.
    Row,
    /// Repeats, on the rows it affects, a cause reported elsewhere (a
    /// patient's broken row): listed after the causes, never counted twice.
    KnockOn,
}

/// What a finding stops, at its default severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Blocks {
    /// No superbill is issued until it is fixed.
    Batch,
    /// The superbill of the patient it concerns is held.
    Patient,
    /// Nothing: it is advice.
    Nothing,
}

macro_rules! registry {
    ($( $variant:ident = $code:literal, $sev:ident, $scope:ident,
        $why:literal, $fix:literal; )*) => {
        /// A finding code. `as_str` is the stable slug reports carry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            /// Every code, in the order of this file (grouped by stage).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev),* }
            }

            pub fn scope(self) -> Scope {
                match self { $(Code::$variant => Scope::$scope),* }
            }

            /// What the finding means, in one line.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => $why),* }
            }

            /// What to do about it, in one line.
            pub fn fix(self) -> &'static str {
                match self { $(Code::$variant => $fix),* }
            }
        }
    };
}

impl Code {
    pub fn parse(slug: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == slug)
    }

    pub fn blocks(self) -> Blocks {
        match (self.severity(), self.scope()) {
            (Severity::Warning, _) => Blocks::Nothing,
            (Severity::Error, Scope::File) => Blocks::Batch,
            (Severity::Error, _) => Blocks::Patient,
        }
    }

    /// Where the code sits in a chain of causes: 0 for a whole file that
    /// cannot be read, 1 for a problem in a row, 2 for a knock-on.
    /// Summaries list root causes first.
    pub fn rank(self) -> u8 {
        match self.scope() {
            Scope::File => 0,
            Scope::Row => 1,
            Scope::KnockOn => 2,
        }
    }

    /// The README's table of codes (`superbill explain --markdown`).
    pub fn markdown_table() -> String {
        let mut out =
            String::from("| Code | Severity | Stops | Meaning | Fix |\n|---|---|---|---|---|\n");
        for c in Code::ALL {
            let stops = match c.blocks() {
                Blocks::Batch => "the batch",
                Blocks::Patient => "the patient's superbill",
                Blocks::Nothing => "nothing",
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                c.as_str(),
                c.severity(),
                stops,
                c.explanation(),
                c.fix()
            ));
        }
        out
    }
}

registry! {
    // Reading the input files as tables.
    CsvEmpty = "csv-empty", Error, File,
        "The file has no header row and no data.",
        "Export the file again from the practice system.";
    CsvNoHeader = "csv-no-header", Error, File,
        "The first row holds data, not column names.",
        "Add the header row the README lists for this file.";
    CsvMissingColumn = "csv-missing-column", Error, File,
        "A required column is not in the header (a close name is suggested).",
        "Rename the column to the expected name, or add it.";
    CsvDuplicateColumn = "csv-duplicate-column", Error, File,
        "A column name appears twice in the header.",
        "Delete or rename one of the two columns.";
    CsvBadHeader = "csv-bad-header", Error, File,
        "The header cannot be read as column names.",
        "Save the file as CSV UTF-8 with one header row.";
    CsvMalformed = "csv-malformed", Error, File,
        "The file cannot be read as CSV at all.",
        "Open it in a spreadsheet and save it again as CSV UTF-8.";
    CsvEncodingUnknown = "csv-encoding-unknown", Error, File,
        "The file's text encoding cannot be recognised.",
        "Save the file as CSV UTF-8.";
    XlsxUnreadable = "xlsx-unreadable", Error, File,
        "The workbook cannot be opened.",
        "Open it in Excel and save it again, or save the sheet as CSV UTF-8.";
    CsvUnclosedQuote = "csv-unclosed-quote", Error, File,
        "A quote opens a cell and never closes, so the rest of the file would be one cell.",
        "Remove the stray quote on the line named, or close it.";
    CsvStrayQuote = "csv-stray-quote", Error, Row,
        "A quote opened on one line closes lines later, swallowing the lines between.",
        "Remove the stray quote (or close it on its own line) and export again.";
    CsvSwallowedLine = "csv-swallowed-line", Error, KnockOn,
        "This line was read inside another line's quoted cell.",
        "Fix the quote on the line the finding names.";
    CsvMultilineCell = "csv-multiline-cell", Warning, Row,
        "A free-text cell spans several physical lines (the record is otherwise well-formed).",
        "Nothing, if the line break is intended; else remove it.";
    CsvCellCount = "csv-cell-count", Error, Row,
        "The row has more or fewer cells than the header (often a comma inside an unquoted cell).",
        "Quote the cell that holds the comma, or remove the extra cells.";
    CsvEncoding = "csv-encoding", Error, Row,
        "The row is not valid UTF-8 text.",
        "Save the file as CSV UTF-8.";
    CsvEncodingConverted = "csv-encoding-converted", Warning, Row,
        "The file was UTF-16 or Windows-1252 and was decoded as such.",
        "Nothing to do; saving as CSV UTF-8 silences it.";
    CsvIsWorkbook = "csv-is-workbook", Warning, Row,
        "A .csv file is really an Excel workbook; it was read as one.",
        "Rename it to .xlsx, or save it as CSV UTF-8.";
    CsvUnknownColumn = "csv-unknown-column", Warning, Row,
        "A column is not one the tool reads; it is ignored.",
        "Rename it if it was meant to be a known column.";
    XlsxSheet = "xlsx-sheet", Warning, Row,
        "The workbook has several worksheets; the one named was read.",
        "Name the sheet after the file (e.g. `sessions`) to choose it.";

    // Cells.
    MissingValue = "missing-value", Error, Row,
        "A required cell is empty.",
        "Fill in the cell named.";
    BadId = "bad-id", Error, Row,
        "An id cell holds something that is not a well-formed id.",
        "Use the record's id (letters, digits, `-` and `_`), not a name.";
    BadDate = "bad-date", Error, Row,
        "A date cannot be read, or is ambiguous (e.g. 03.09.2026).",
        "Write dates as YYYY-MM-DD (9/3/26 and Sep 3, 2026 are also read).";
    BadAmount = "bad-amount", Error, Row,
        "An amount cannot be read as dollars and cents (e.g. 1.250,00).",
        "Write amounts like 1250.00, without thousands separators.";
    BadNumber = "bad-number", Error, Row,
        "A count or number of minutes cannot be read.",
        "Write a whole number.";
    BadValue = "bad-value", Error, Row,
        "A cell holds a value its column does not allow (sex, status, service key).",
        "Use one of the values the message lists.";
    BadDiagnosis = "bad-diagnosis", Error, Row,
        "A diagnosis is not shaped like an ICD-10-CM code.",
        "Write codes like F32.2, separated by `;`.";
    BadProcedure = "bad-procedure", Error, Row,
        "A procedure cell cannot be read as CODE[xUNITS][:MODIFIERS].",
        "Write procedures like 96365 or J2405x8 or 90837:95.";
    DuplicateDiagnosis = "duplicate-diagnosis", Warning, Row,
        "A diagnosis is listed twice on a session; it is kept once.",
        "Remove the repeat.";
    UtcMidnight = "utc-midnight", Warning, Row,
        "Timestamps at exactly 00:00:00Z are usually plain dates; they are read as set in practice.toml.",
        "Set `utc_midnight` in practice.toml to say how to read them.";
    TooManyMinutes = "too-many-minutes", Error, Row,
        "A session's minutes exceed 8 hours.",
        "Check the minutes value.";
    TooLargeDose = "too-large-dose", Error, Row,
        "A drug dose is beyond any plausible amount.",
        "Check the dose and its unit.";

    // Records and how they refer to each other.
    DuplicateId = "duplicate-id", Error, Row,
        "Two records share an id.",
        "Give each record its own id.";
    UnknownPatient = "unknown-patient", Error, Row,
        "A session or payment names a patient id that patients.csv does not have.",
        "Add the patient, or correct the id.";
    UnknownProvider = "unknown-provider", Error, Row,
        "A session names a provider id that practice.toml does not list.",
        "Add the provider to practice.toml, or correct the id.";
    UnknownSession = "unknown-session", Error, Row,
        "A payment applies to a session id that sessions.csv does not have.",
        "Correct the session id, or leave it empty for an unapplied payment.";
    SessionPatientMismatch = "session-patient-mismatch", Error, Row,
        "A payment's session belongs to a different patient than the payment.",
        "Correct the payment's patient or session id.";
    PatientInvalid = "patient-invalid", Error, KnockOn,
        "The patient's own row has errors, so their sessions cannot be billed.",
        "Fix the patient's row in patients.csv.";
    SessionInvalid = "session-invalid", Error, KnockOn,
        "A payment applies to a session that has errors.",
        "Fix the session the finding names.";
    ProviderInvalid = "provider-invalid", Error, KnockOn,
        "A session's provider has errors in practice.toml.",
        "Fix the provider's entry in practice.toml.";
    DateInFuture = "date-in-future", Error, Row,
        "A date lies after the batch's as-of date.",
        "Correct the date, or run with the right `--as-of`.";
    BeforeBirth = "before-birth", Error, Row,
        "A date of service is before the patient's date of birth.",
        "Correct the date of service or the date of birth.";
    RefundExceedsPayments = "refund-exceeds-payments", Warning, Row,
        "More was refunded to the patient than they paid.",
        "Check the refund and payment amounts.";
    NothingToBill = "nothing-to-bill", Error, Row,
        "A completed session names neither a service nor procedures.",
        "Fill in `service` or `procedures`.";

    // The practice's identifiers.
    BadNpi = "bad-npi", Error, Row,
        "An NPI fails its check digit (for the practice itself this stops the batch).",
        "Copy the NPI again from NPPES.";
    BadEin = "bad-ein", Error, Row,
        "A tax id is not a valid EIN (9 digits with an IRS prefix).",
        "Write the EIN as 12-3456789.";
    BadTaxonomy = "bad-taxonomy", Error, Row,
        "A taxonomy code is not shaped like one (10 characters ending in X).",
        "Copy the taxonomy code from NPPES.";
    UnknownPos = "unknown-pos", Error, Row,
        "A place of service code is not in the CMS list.",
        "Use a two-digit POS code (11 office, 02/10 telehealth, 12 home).";
    UnknownLocation = "unknown-location", Error, Row,
        "A session (or default_location) names a location that practice.toml does not list.",
        "Use a location id of the [[locations]] in practice.toml, or leave the column empty.";
    ProviderNoSignature = "provider-no-signature", Warning, Row,
        "A provider who renders sessions in the period has no signature image (nor a practice signature that applies): their attestation's signature line is left blank.",
        "Add signature = \"signatures/<id>.png\" to the provider's [[providers]] entry in practice.toml, or have them sign the printed superbills.";
    PublicPayer = "public-payer", Warning, Row,
        "The patient's payer is Medicare or Medicaid, whose members are not told to file a superbill themselves.",
        "Check the provider's status with the program; the superbill carries that program's note.";

    // Diagnoses.
    IcdAbsent = "icd-absent", Error, Row,
        "A diagnosis code is not in the ICD-10-CM release for its date of service.",
        "Check the code; `superbill codes search` finds the right one.";
    IcdHeader = "icd-header", Error, Row,
        "A diagnosis code is a category header, not billable.",
        "Use one of the billable codes the message lists.";
    IcdNoRelease = "icd-no-release", Warning, Row,
        "Dates of service fall after the last ICD-10-CM release loaded.",
        "Import the new release with `superbill codes import`.";
    Excludes1 = "excludes1", Error, Row,
        "Two diagnoses that ICD-10-CM says never go together (an Excludes1 pair).",
        "Keep the one that describes the condition treated.";
    TooManyDiagnoses = "too-many-diagnoses", Error, Row,
        "A session lists more than 12 diagnoses (a claim holds A-L).",
        "Keep the codes the services treat.";
    SuperbillDiagnoses = "superbill-diagnoses", Error, Row,
        "The patient's superbill would list more than 12 diagnoses.",
        "Keep the codes the services treat, or render that session on its own.";

    // Procedures, units and pairing.
    UnknownCode = "unknown-code", Error, Row,
        "A procedure code is not in the code tables.",
        "Correct the code, or add it to the practice's codes.";
    WrongCode = "wrong-code", Error, Row,
        "A code is not the right one for what the session records.",
        "Use the code the message names.";
    UnknownService = "unknown-service", Error, Row,
        "A service key is not in the practice's service mapping.",
        "Use a key from codes/services.toml, or list procedures instead.";
    CodeNotEffective = "code-not-effective", Error, Row,
        "A code is not valid on the date of service (retired or not yet effective).",
        "Use the code valid on that date.";
    NoFee = "no-fee", Error, Row,
        "A code has no fee in the practice's fee schedule.",
        "Add the code to fees.csv.";
    UnknownModifier = "unknown-modifier", Warning, Row,
        "A modifier is not one the tool knows.",
        "Check the modifier.";
    TooManyModifiers = "too-many-modifiers", Error, Row,
        "A line carries more than 4 modifiers.",
        "Keep at most 4.";
    MissingModifier = "missing-modifier", Error, Row,
        "An E/M beside a procedure the same day needs modifier 25.",
        "Add modifier 25 to the E/M code.";
    TelehealthModifier = "telehealth-modifier", Error, Row,
        "A telehealth place of service needs modifier 95 (or 93 for audio-only).",
        "Add the modifier, or correct the place of service.";
    PosNotAllowed = "pos-not-allowed", Error, Row,
        "The service cannot be billed at this place of service.",
        "Correct the place of service.";
    AddonWithoutPrimary = "addon-without-primary", Error, Row,
        "An add-on code is billed without its primary code the same day.",
        "Bill the primary code, or remove the add-on.";
    ExclusiveCodes = "exclusive-codes", Error, Row,
        "Two codes that cannot be billed together the same day.",
        "Keep the one the message names.";
    DuplicateLine = "duplicate-line", Error, Row,
        "The same code twice the same day without a distinguishing modifier.",
        "Bill it once with units, or add the modifier the message names.";
    UnitsMismatch = "units-mismatch", Error, Row,
        "The units given disagree with the minutes or dose recorded.",
        "Use the units the message computes, or correct the minutes.";
    InfusionTooShort = "infusion-too-short", Error, Row,
        "An infusion of 15 minutes or less is not billable as an infusion.",
        "Bill it as a push, or correct the minutes.";
    HydrationTooShort = "hydration-too-short", Error, Row,
        "IV hydration of 30 minutes or less is not reportable as hydration (96360 needs 31 minutes or more).",
        "Remove the hydration lines, or correct the minutes.";
    EmTimeShort = "em-time-short", Warning, Row,
        "A visit level chosen by time needs more minutes than the session records.",
        "Bill the level the time supports, or ignore it if the level was chosen by medical decision making.";
    PsychotherapyTooShort = "psychotherapy-too-short", Error, Row,
        "Psychotherapy under 16 minutes is not billable, or the tier does not match the minutes.",
        "Use the code for the minutes recorded.";
    ProlongedWithoutEm = "prolonged-without-em", Error, Row,
        "A prolonged-service code without the E/M visit it extends.",
        "Bill the E/M visit, or remove the prolonged code.";
    EsketamineDose = "esketamine-dose", Error, Row,
        "An esketamine dose is not 56 or 84 mg.",
        "Record the dose given (56 or 84 mg).";
    EsketamineDrug = "esketamine-drug", Error, Row,
        "Esketamine is billed without its drug code and units.",
        "Add S0013 with the dose, or the service key that bills it.";
    EsketamineVisit = "esketamine-visit", Error, Row,
        "The esketamine monitoring code does not match the minutes observed.",
        "Use G2082 (up to 56 mg) or G2083 (84 mg).";
    NewPatientEsketamine = "new-patient-esketamine", Warning, Row,
        "An established-patient code on the patient's first visit on record.",
        "Check for an earlier visit, or bill the intake.";
    DrugWithoutNdc = "drug-without-ndc", Error, Row,
        "A drug code has no NDC, which insurers require on drug lines.",
        "Add the NDC to the drug's entry in the code tables.";
    BadNdc = "bad-ndc", Error, Row,
        "A drug's NDC is not a valid 10- or 11-digit NDC.",
        "Copy the NDC from the package.";

    // Filing.
    FilingLate = "filing-late", Warning, Row,
        "The date of service is more than 90 days old.",
        "File soon: many insurers want claims within 90 days.";
    FilingLimit = "filing-limit", Error, Row,
        "The date of service is more than 365 days old.",
        "Insurers refuse claims past the 1-year limit; leave it out.";

    // The practice's own files and templates (found by validate before
    // any rendering), and rendering itself.
    FileOutsidePractice = "file-outside-practice", Error, File,
        "A logo, signature or font path in practice.toml leads outside the practice folder.",
        "Copy the file into the practice folder, or set allow_outside_files = true.";
    FileMissing = "file-missing", Error, File,
        "A logo, signature or font named in practice.toml does not exist.",
        "Check the path (relative to the practice folder).";
    FileNotRegular = "file-not-regular", Error, File,
        "A logo, signature or font path names a folder or device, not a file.",
        "Name the file itself.";
    FileTooLarge = "file-too-large", Error, File,
        "A logo or signature is over 5 MB, or a font over 40 MB.",
        "Use a smaller file (a 600-pixel-wide PNG is plenty).";
    ImageUnusable = "image-unusable", Error, File,
        "A logo or signature is not a PNG that decodes, or is over 6000 pixels a side.",
        "Save it as a PNG of sensible size.";
    FontUnreadable = "font-unreadable", Error, File,
        "A font named in practice.toml cannot be read as TrueType or OpenType.",
        "Use a .ttf or .otf font file.";
    TemplateUnreadable = "template-unreadable", Error, File,
        "A template in the practice's templates/ folder cannot be read as text.",
        "Save it as UTF-8 text.";
    TemplateSyntax = "template-syntax", Error, File,
        "A template in templates/ is not valid Handlebars.",
        "Fix the line named (unclosed {{ or block).";
    TemplateUnknownField = "template-unknown-field", Error, File,
        "A template uses a field the documents do not have (in any branch).",
        "Use one of the fields the README lists for templates.";
    TemplateUnknownHelper = "template-unknown-helper", Error, File,
        "A template calls a helper that does not exist.",
        "Use one of the helpers the README lists for templates.";
    TemplateUnknownPartial = "template-unknown-partial", Error, File,
        "A template includes a partial that is not a template.",
        "Include one of the template names, or remove the include.";
    TemplateRecursivePartial = "template-recursive-partial", Error, File,
        "A template includes itself (directly or through others): rendering would never end.",
        "Remove the include that leads back to the template.";
    FontMissingGlyph = "font-missing-glyph", Error, Row,
        "A text the PDF prints has a character no font of the chain can draw; the message names the field and the script, never the text (in practice.toml or a template it stops the batch).",
        "Install a font for that script (CJK: fonts-noto-cjk) or name one in practice.toml `fallback_fonts`, or correct the text.";
    RenderFailed = "render-failed", Error, Row,
        "A document could not be rendered (something validate did not catch); its superbill is held.",
        "Run superbill validate, fix what it lists, and report the case if it lists nothing.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} listed twice");
            assert!(
                s.split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{s} is not kebab-case"
            );
            assert_eq!(Code::parse(s), Some(*c));
        }
        assert_eq!(Code::parse("no-such-code"), None);
    }

    #[test]
    fn whole_file_codes_stop_the_batch_and_rank_first() {
        assert_eq!(Code::CsvMissingColumn.blocks(), Blocks::Batch);
        assert_eq!(Code::CsvMissingColumn.rank(), 0);
        assert_eq!(Code::IcdAbsent.blocks(), Blocks::Patient);
        assert_eq!(Code::PatientInvalid.rank(), 2);
        assert_eq!(Code::FilingLate.blocks(), Blocks::Nothing);
    }

    #[test]
    fn the_readme_lists_every_code_as_the_registry_says() {
        let readme = include_str!("../../README.md");
        let table = Code::markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's table of finding codes differs from src/findings/registry.rs: \
             replace it with the output of `cargo run -- explain --markdown`"
        );
    }
}
