import Alert from 'antd/es/alert';
import Card from 'antd/es/card';
import Table, { type ColumnsType } from 'antd/es/table';
import { useWords } from '../i18n.js';
import { useOperation } from '../hooks.js';
import { label, STATUS_LABELS } from '../labels.js';
import { GRADE_DISTRIBUTION, INSPECTION_DRAWS, REPAIR_REQUESTS } from '../operations.js';
import { Bars } from '../parts/bar-chart.js';

/** Credit classes of graded enterprises (分级分类监管). */
export function GradesPage() {
  const w = useWords();
  const distribution = useOperation(GRADE_DISTRIBUTION, {});
  return (
    <Card data-testid="page-grades" title={`${w.distribution} (${distribution.data?.gradeDistribution.total ?? 0})`}>
      {distribution.error && <Alert type="error" message={distribution.error} />}
      <Bars
        testId="chart-grades"
        data={(distribution.data?.gradeDistribution.classes ?? []).map((c) => ({ label: `${c.creditClass} ${c.label}`, value: c.count }))}
      />
    </Card>
  );
}

/** A card listing one operation's rows in a table, with its error above when it failed. */
function TableCard<Row extends { id: string }>({
  testId,
  title,
  error,
  rows,
  columns,
}: {
  testId: string;
  title: string;
  error: string | undefined;
  rows: Row[];
  columns: ColumnsType<Row>;
}) {
  return (
    <Card data-testid={testId} title={title}>
      {error && <Alert type="error" message={error} />}
      <Table size="small" rowKey="id" dataSource={rows} columns={columns} />
    </Card>
  );
}

/** 双随机 draws, public to every client. */
export function DrawsPage() {
  const w = useWords();
  const draws = useOperation(INSPECTION_DRAWS, {});
  return (
    <TableCard
      testId="page-draws"
      title={w.draws}
      error={draws.error}
      rows={draws.data?.inspectionDraws.edges.map((e) => e.node) ?? []}
      columns={[
        { title: 'ID', dataIndex: 'id' },
        { title: w.agency, dataIndex: 'agencyCode' },
        { title: 'algorithm', dataIndex: 'algorithm' },
        { title: w.entries, dataIndex: 'populationSize' },
      ]}
    />
  );
}

/** Credit repair requests (信用修复). */
export function RepairsPage() {
  const w = useWords();
  const repairs = useOperation(REPAIR_REQUESTS, {});
  return (
    <TableCard
      testId="page-repairs"
      title={w.repairs}
      error={repairs.error}
      rows={repairs.data?.repairRequests.edges.map((e) => e.node) ?? []}
      columns={[
        { title: 'ID', dataIndex: 'id' },
        { title: w.agency, dataIndex: 'agencyCode' },
        { title: w.uscc, render: (_, r) => r.uscc ?? '—' },
        { title: w.status, render: (_, r) => label(STATUS_LABELS, r.status) },
        { title: 'tier', dataIndex: 'tier' },
        { title: w.client, dataIndex: 'filedBy' },
      ]}
    />
  );
}
