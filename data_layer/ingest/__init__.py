"""Reading what people bring: exports of CRMs, survey tools, LRSs and chat, as they are found.

- `tables`  decodes a delimited file: encoding, delimiter (sniffed), extra header rows.
- `formats` decides each column's format once, from all of its values (numbers, dates,
            rating scales), and converts it exactly, or refuses it with a sentence.
- `presets` recognises the common exports from their headers (Salesforce, HubSpot,
            Pipedrive, Google Forms, Qualtrics, Typeform, SurveyMonkey).
- `people`  matches people by email, person id or full name.
- `report`  groups problems by column and reason for people to act on.

`data_layer.ingest.sources` puts these together and hands our canonical files to the importer,
which validates and writes them all or nothing.
"""
