import Alert from 'antd/es/alert';
import Card from 'antd/es/card';
import Table from 'antd/es/table';
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

/** 双随机 draws, public to every client. */
export function DrawsPage() {
  const w = useWords();
  const draws = useOperation(INSPECTION_DRAWS, {});
  return (
    <Card data-testid="page-draws" title={w.draws}>
      {draws.error && <Alert type="error" message={draws.error} />}
      <Table
        size="small"
        rowKey="id"
        dataSource={draws.data?.inspectionDraws.edges.map((e) => e.node) ?? []}
        columns={[
          { title: 'ID', dataIndex: 'id' },
          { title: w.agency, dataIndex: 'agencyCode' },
          { title: 'algorithm', dataIndex: 'algorithm' },
          { title: w.entries, dataIndex: 'populationSize' },
        ]}
      />
    </Card>
  );
}

/** Credit repair requests (信用修复). */
export function RepairsPage() {
  const w = useWords();
  const repairs = useOperation(REPAIR_REQUESTS, {});
  return (
    <Card data-testid="page-repairs" title={w.repairs}>
      {repairs.error && <Alert type="error" message={repairs.error} />}
      <Table
        size="small"
        rowKey="id"
        dataSource={repairs.data?.repairRequests.edges.map((e) => e.node) ?? []}
        columns={[
          { title: 'ID', dataIndex: 'id' },
          { title: w.agency, dataIndex: 'agencyCode' },
          { title: w.uscc, render: (_, r) => r.uscc ?? '—' },
          { title: w.status, render: (_, r) => label(STATUS_LABELS, r.status) },
          { title: 'tier', dataIndex: 'tier' },
          { title: w.client, dataIndex: 'filedBy' },
        ]}
      />
    </Card>
  );
}
