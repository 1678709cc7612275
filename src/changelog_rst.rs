//! Changelogs whose release headings are underlined: reStructuredText (`CHANGES.rst`,
//! `HISTORY.rst`, towncrier's default output) and setext markdown. Read into the same
//! [`Changelog`] as markdown, and released in the file's own style: the adornment of its
//! release headings (`-----` under `Version 1.4.2`, `=` over and under), its title form,
//! and a date line under the title where the file keeps one (`Released 2026-04-02`, or
//! `Unreleased` on the draft of the next release). `scripts/bump_version.py` mirrors this
//! module; the shared vectors prove they agree.

use pep440_rs::Version;

use super::{
    dominant_eol, find_date, format_date, names_a_version, parse_heading, section_is_empty,
    split_lines, Changelog, ChangelogError, DateFormat, Edits, HeadingStyle, RawLine,
    ReleaseOutcome, Section,
};

/// The characters reStructuredText section adornments are commonly made of.
const ADORNMENTS: &str = "=-~^\"'*+#_:.`";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Adornment {
    ch: char,
    over: bool,
}

#[derive(Debug, Clone)]
struct Heading {
    over: Option<usize>,
    title: usize,
    under: usize,
    style: Adornment,
    text: String,
}

impl Heading {
    fn start(&self) -> usize {
        self.over.unwrap_or(self.title)
    }
}

fn adornment(line: &str) -> Option<char> {
    let t = line.trim_end();
    let ch = t.chars().next()?;
    (ADORNMENTS.contains(ch) && t.chars().count() >= 3 && t.chars().all(|c| c == ch)).then_some(ch)
}

fn headings(lines: &[RawLine<'_>]) -> Vec<Heading> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        let title = lines[i].text;
        let plain = !title.trim().is_empty()
            && !title.starts_with([' ', '\t'])
            && adornment(title).is_none();
        let Some(ch) = adornment(lines[i + 1].text).filter(|_| plain) else {
            i += 1;
            continue;
        };
        let over = i > 0 && adornment(lines[i - 1].text) == Some(ch);
        let clear_before = if over {
            i < 2 || lines[i - 2].text.trim().is_empty()
        } else {
            i == 0 || lines[i - 1].text.trim().is_empty()
        };
        if clear_before {
            out.push(Heading {
                over: over.then(|| i - 1),
                title: i,
                under: i + 1,
                style: Adornment { ch, over },
                text: title.trim().to_string(),
            });
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

/// The line under a release title that dates it: `Released 2026-04-02` (prefix, date,
/// format), or `Unreleased` (the draft of the next release).
#[derive(Debug, Clone, PartialEq, Eq)]
enum DateLine {
    Released {
        line: usize,
        prefix: String,
        date: String,
        format: DateFormat,
    },
    Unreleased {
        line: usize,
    },
}

fn date_line(lines: &[RawLine<'_>], from: usize, to: usize) -> Option<DateLine> {
    let line = (from..to).find(|&i| !lines[i].text.trim().is_empty())?;
    let t = lines[line].text.trim();
    if t.eq_ignore_ascii_case("unreleased") {
        return Some(DateLine::Unreleased { line });
    }
    if !t.starts_with("Released") {
        return None;
    }
    let (at, n, format) = find_date(t)?;
    (at + n == t.len()).then(|| DateLine::Released {
        line,
        prefix: t[..at].to_string(),
        date: t[at..].to_string(),
        format,
    })
}

/// One release-level section, as the release needs it.
struct Part {
    heading: Heading,
    version: Option<String>,
    parsed: Option<Version>,
    date: Option<String>,
    yanked: bool,
    date_line: Option<DateLine>,
    end: usize,
}

/// The release-level sections: those adorned like the first heading that names a release
/// (or `Unreleased`). `None` when the file has no such heading.
fn parts(lines: &[RawLine<'_>]) -> Option<Vec<Part>> {
    let all = headings(lines);
    let level = all.iter().find(|h| parse_heading(&h.text).is_ok())?.style;
    let level: Vec<Heading> = all.into_iter().filter(|h| h.style == level).collect();
    let mut out = Vec::new();
    for (n, h) in level.iter().enumerate() {
        let end = level.get(n + 1).map_or(lines.len(), Heading::start);
        let Ok(head) = parse_heading(&h.text) else {
            continue;
        };
        let dl = date_line(lines, h.under + 1, end);
        let date = head.date.or_else(|| match &dl {
            Some(DateLine::Released { date, .. }) => Some(date.clone()),
            _ => None,
        });
        out.push(Part {
            heading: h.clone(),
            version: head.version,
            parsed: head.parsed,
            date,
            yanked: head.yanked,
            date_line: dl,
            end,
        });
    }
    Some(out)
}

/// The text of a section's body: its lines after the title (and date line), trimmed.
fn body(lines: &[RawLine<'_>], p: &Part) -> String {
    let skip = match &p.date_line {
        Some(DateLine::Released { line, .. } | DateLine::Unreleased { line }) => Some(*line),
        None => None,
    };
    let kept: Vec<&str> = (p.heading.under + 1..p.end)
        .filter(|i| Some(*i) != skip)
        .map(|i| lines[i].text)
        .collect();
    let first = kept.iter().position(|l| !l.trim().is_empty());
    let last = kept.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(a), Some(b)) => kept[a..=b].join("\n"),
        _ => String::new(),
    }
}

/// Reads an underlined changelog; `None` when the text has no underlined release heading.
pub(super) fn parse(text: &str) -> Option<Result<Changelog, ChangelogError>> {
    let lines = split_lines(text);
    let parts = parts(&lines)?;
    let mut unreleased: Option<Section> = None;
    let mut releases: Vec<Section> = Vec::new();
    let mut seen: std::collections::BTreeMap<Version, usize> = std::collections::BTreeMap::new();
    for p in &parts {
        let section = Section {
            version: p.version.clone(),
            date: p.date.clone(),
            yanked: p.yanked,
            body: body(&lines, p),
            line: p.heading.title + 1,
            heading: p.heading.text.clone(),
            change_types: Vec::new(),
            parsed: p.parsed.clone(),
        };
        match &section.parsed {
            // Only an `Unreleased` above every release is the next release's section.
            None if unreleased.is_none() && releases.is_empty() => unreleased = Some(section),
            None => {}
            Some(v) => {
                if let Some(first) = seen.get(v) {
                    return Some(Err(ChangelogError::at(
                        section.line,
                        format!(
                            "a second section for version {} (the first is on line {first})",
                            section.version.as_deref().unwrap_or_default()
                        ),
                        Some("merge the two sections: each version has exactly one"),
                    )));
                }
                seen.insert(v.clone(), section.line);
                releases.push(section);
            }
        }
    }
    Some(Ok(Changelog {
        unreleased,
        releases,
        links: Vec::new(),
        trailing_links: None,
        underlined: true,
    }))
}

/// The title, adornments and date line of a new release section.
struct Style {
    title: HeadingStyle,
    adornment: Adornment,
    date_line: Option<(String, DateFormat)>,
}

impl Style {
    fn of(log: &Changelog, parts: &[Part], skip: Option<usize>) -> Style {
        let releases: Vec<Section> = log
            .releases
            .iter()
            .filter(|s| Some(s.line) != skip)
            .cloned()
            .collect();
        let title = if releases.is_empty() {
            // towncrier's reStructuredText form.
            HeadingStyle {
                prefix: String::new(),
                date: Some((" (".into(), DateFormat::Iso)),
                suffix: ")".into(),
            }
        } else {
            HeadingStyle::of(&releases)
        };
        let date_line = parts
            .iter()
            .filter(|p| p.parsed.is_some() && Some(p.heading.title + 1) != skip)
            .find_map(|p| match &p.date_line {
                Some(DateLine::Released { prefix, format, .. }) => Some((prefix.clone(), *format)),
                _ => None,
            });
        Style {
            title,
            adornment: parts.first().map(|p| p.heading.style).unwrap_or(Adornment {
                ch: '-',
                over: false,
            }),
            date_line,
        }
    }

    fn title(&self, version: &str, date: &str) -> String {
        self.title.render(version, date)
    }

    fn rule(&self, title: &str) -> String {
        self.adornment
            .ch
            .to_string()
            .repeat(title.chars().count().max(3))
    }

    /// The lines of a new heading: overline, title, underline.
    fn heading(&self, title: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.adornment.over {
            out.push(self.rule(title));
        }
        out.push(title.to_string());
        out.push(self.rule(title));
        out
    }

    fn date_line(&self, date: &str) -> Option<String> {
        self.date_line
            .as_ref()
            .map(|(prefix, format)| format!("{prefix}{}", format_date(*format, date)))
    }
}

/// Puts a new title on an existing heading, lengthening its adornments when they are short.
fn retitle(edits: &mut Edits, lines: &[RawLine<'_>], h: &Heading, title: &str) {
    edits.replace(h.title, title.to_string());
    let n = title.chars().count();
    for i in [Some(h.under), h.over].into_iter().flatten() {
        if lines[i].text.trim_end().chars().count() < n {
            edits.replace(i, h.style.ch.to_string().repeat(n));
        }
    }
}

/// [`super::release`] for an underlined changelog.
pub(super) fn release(
    text: &str,
    log: &Changelog,
    version: &str,
    date: &str,
) -> Result<ReleaseOutcome, ChangelogError> {
    let lines = split_lines(text);
    let parts = parts(&lines).unwrap_or_default();
    let eol = dominant_eol(text);
    let mut edits = Edits::default();
    let part_of = |line: usize| parts.iter().find(|p| p.heading.title + 1 == line);

    if let Some(existing) = log.section(version) {
        let p = part_of(existing.line).ok_or_else(|| {
            ChangelogError::at(existing.line, "the section could not be read", None)
        })?;
        let newest = log.releases().first().map(|s| s.line) == Some(existing.line);
        let draft = matches!(p.date_line, Some(DateLine::Unreleased { .. }))
            || (newest && existing.date.is_none() && log.unreleased().is_none() && !p.yanked);
        if !draft {
            return Err(ChangelogError::at(
                existing.line,
                format!(
                    "the changelog already has a section for {}",
                    existing.version.as_deref().unwrap_or(version)
                ),
                Some(
                    "pick a version that has not been released, or edit the existing section by hand",
                ),
            ));
        }
        let style = Style::of(log, &parts, Some(existing.line));
        let title = style.title(version, date);
        retitle(&mut edits, &lines, &p.heading, &title);
        date_the_section(&mut edits, p, &style, date);
        return Ok(ReleaseOutcome {
            text: edits.apply(&lines, eol, text.ends_with('\n')),
            unreleased_was_empty: section_is_empty(existing),
            heading: title,
            added_empty: false,
        });
    }

    let style = Style::of(log, &parts, None);
    let title = style.title(version, date);
    let mut block = style.heading(&title);
    if let Some(line) = style.date_line(date) {
        block.extend([String::new(), line]);
    }
    let (unreleased_was_empty, added_empty) = match log.unreleased() {
        Some(u) => {
            let p = part_of(u.line)
                .ok_or_else(|| ChangelogError::at(u.line, "the section could not be read", None))?;
            if names_a_version(&u.heading) {
                // `1.5.0 (unreleased)`: the draft of the next release becomes the release.
                retitle(&mut edits, &lines, &p.heading, &title);
                date_the_section(&mut edits, p, &style, date);
            } else {
                let mut after = vec![String::new()];
                after.extend(block);
                edits.insert_after(p.heading.under, after);
            }
            (section_is_empty(u), false)
        }
        None => {
            match parts.iter().find(|p| p.parsed.is_some()) {
                Some(newest) => {
                    block.push(String::new());
                    edits.insert_before(newest.heading.start(), block);
                }
                None => {
                    let mut at_end = Vec::new();
                    if lines.last().is_some_and(|l| !l.text.trim().is_empty()) {
                        at_end.push(String::new());
                    }
                    at_end.extend(block);
                    edits.insert_before(lines.len(), at_end);
                }
            }
            (true, true)
        }
    };
    Ok(ReleaseOutcome {
        text: edits.apply(&lines, eol, text.ends_with('\n')),
        unreleased_was_empty,
        heading: title,
        added_empty,
    })
}

/// The date line of a section being released: `Unreleased` becomes `Released DATE`; one is
/// added under the title when the file dates its releases that way.
fn date_the_section(edits: &mut Edits, p: &Part, style: &Style, date: &str) {
    let dated = style
        .date_line(date)
        .unwrap_or_else(|| format!("Released {date}"));
    match &p.date_line {
        Some(DateLine::Unreleased { line }) => edits.replace(*line, dated),
        Some(DateLine::Released { .. }) => {}
        None if style.date_line.is_some() => {
            edits.insert_after(p.heading.under, vec![String::new(), dated])
        }
        None => {}
    }
}
