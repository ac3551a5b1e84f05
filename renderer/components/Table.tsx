// A plain data table with a caption (visible or for screen readers only), typed columns and an
// empty-state line. For long lists (thousands of rows) use a virtualised list instead, as the
// search screen does; this one renders every row.
//
//   <Table caption={t('…')} rows={requests} rowKey={(r) => r.id}
//     columns={[{ id: 'type', header: t('…'), cell: (r) => t(`…${r.type}`) }, …]} empty={t('…')} />
import type { ReactNode } from 'react';

export interface Column<T> {
  id: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  // 'num' right-aligns figures; 'nowrap' keeps dates and phones on one line; 'actions' for buttons.
  kind?: 'text' | 'num' | 'nowrap' | 'actions';
  // The column that names the row: rendered as <th scope="row">.
  rowHeader?: boolean;
}

export interface TableProps<T> {
  caption: string;
  captionHidden?: boolean;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  empty?: ReactNode;
  rowClassName?: (row: T) => string | undefined;
  className?: string;
  testId?: string;
}

export function Table<T>({ caption, captionHidden = false, columns, rows, rowKey, empty, rowClassName, className, testId }: TableProps<T>) {
  if (rows.length === 0 && empty !== undefined) {
    return (
      <p className="table-empty" data-testid={testId}>
        {empty}
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className={`table${className ? ` ${className}` : ''}`} data-testid={testId}>
        <caption className={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.id} scope="col" className={c.kind ? `col-${c.kind}` : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((c) =>
                c.rowHeader ? (
                  <th key={c.id} scope="row" className={c.kind ? `col-${c.kind}` : undefined}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.id} className={c.kind ? `col-${c.kind}` : undefined}>
                    {c.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
