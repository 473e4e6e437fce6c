"""Reading what people bring: exports of CRMs, survey tools, LRSs and chat, as they are found.

- `readers/` one module per source format (our tables, CRM deals, surveys, xAPI, Slack), each with
            the same interface: how well it fits a file, a preview, and the conversion to our rows.
- `pipeline` `import_sources`: each file read by the reader that fits it (or refused with its
            closest readings), then every problem reported in one pass.
- `tables`  decodes a delimited file: encoding (detected), delimiter (sniffed), extra header rows.
- `formats` decides each column's format once, from all of its values (numbers, dates,
            rating scales), and converts it exactly, or refuses it with a sentence.
- `presets` recognises the common exports from their headers (Salesforce, HubSpot,
            Pipedrive, Google Forms, Qualtrics, Typeform, SurveyMonkey).
- `people`  matches people by email, person id or full name (decorated cells, placeholders).
- `report`  groups problems by column and reason for people to act on.

The importer (`importer.import_files`) validates our canonical files and writes them all or nothing.
"""
