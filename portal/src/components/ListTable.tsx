import { Table } from '@mantine/core';
import type { ReactNode } from 'react';
import { ScrollTable } from './ScrollTable';
import { Empty, Loading } from './States';

/** One column: its header and what a row shows in it. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
}

/**
 * The screens' lists: a loading state, an empty state once loaded without error, and the rows in a table
 * inside a named, keyboard-scrollable region. Errors are the screen's to show (it often has an action's
 * error too).
 */
export function ListTable<T>({
  label,
  testId,
  minWidth,
  loading,
  failed,
  empty,
  rows,
  rowKey,
  rowProps,
  columns,
  striped,
}: {
  /** The region's accessible name. */
  label: string;
  testId: string;
  minWidth: number;
  loading: boolean;
  failed: boolean;
  /** What the empty state says (default: the catalogue's "nothing here"). */
  empty?: string;
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** Attributes of a row's `<tr>` (test hooks, highlighting). */
  rowProps?: (row: T) => Record<string, string | undefined>;
  columns: readonly Column<T>[];
  striped?: boolean;
}) {
  // While a list reloads, its rows stay in view under the loading state.
  return (
    <>
      {loading ? <Loading /> : null}
      {!loading && !failed && rows.length === 0 ? <Empty label={empty} /> : null}
      {rows.length > 0 ? (
        <ScrollTable label={label} minWidth={minWidth}>
          <Table striped={striped} data-testid={testId}>
            <Table.Thead>
              <Table.Tr>
                {columns.map((column, i) => (
                  <Table.Th key={i}>{column.header}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={rowKey(row)} {...rowProps?.(row)}>
                  {columns.map((column, i) => (
                    <Table.Td key={i}>{column.cell(row)}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      ) : null}
    </>
  );
}
