import Alert from 'antd/es/alert';
import Button from 'antd/es/button';
import Card from 'antd/es/card';
import Col from 'antd/es/col';
import Collapse from 'antd/es/collapse';
import Descriptions from 'antd/es/descriptions';
import Empty from 'antd/es/empty';
import Form from 'antd/es/form';
import Input from 'antd/es/input';
import Layout from 'antd/es/layout';
import Menu from 'antd/es/menu';
import message from 'antd/es/message';
import Modal from 'antd/es/modal';
import Result from 'antd/es/result';
import Row from 'antd/es/row';
import Select from 'antd/es/select';
import Space from 'antd/es/space';
import Spin from 'antd/es/spin';
import Statistic from 'antd/es/statistic';
import Table from 'antd/es/table';
import Tag from 'antd/es/tag';
import Timeline from 'antd/es/timeline';
import Tooltip from 'antd/es/tooltip';
import Typography from 'antd/es/typography';

const rows = [{ key: 'a', value: 1 }];

/**
 * Every Ant Design component the console uses (popups as their panels), rendered once at build time so
 * that their styles are written into the console's style sheet rather than computed in the browser
 * (scripts/build-console.ts). A component missing here still works: its styles are then made at run time.
 */
export function StyleCatalogue() {
  return (
    <Layout>
      <Layout.Header />
      <Layout>
        <Layout.Sider theme="light">
          <Menu
            mode="inline"
            selectedKeys={['a']}
            items={[
              { key: 'a', label: 'a' },
              { key: 'b', label: 'b', disabled: true },
            ]}
          />
        </Layout.Sider>
        <Layout.Content>
          <Space>
            <Alert type="error" message="a" />
            <Button size="small">a</Button>
            <Tag color="green">a</Tag>
            <Spin />
            <Empty />
          </Space>
          <Row>
            <Col span={8}>
              <Card title="a">
                <Statistic title="a" value={1} suffix="a" />
              </Card>
            </Col>
          </Row>
          <Result status="403" title="a" />
          <Table size="small" dataSource={rows} columns={[{ title: 'a', dataIndex: 'value' }]} pagination={{ pageSize: 20 }} loading />
          <Table size="small" dataSource={[]} columns={[{ title: 'a', dataIndex: 'value' }]} pagination={false} />
          <Form layout="inline">
            <Form.Item name="a" label="a">
              <Input />
            </Form.Item>
          </Form>
          <Input.Search enterButton />
          <Input.TextArea />
          <Select mode="multiple" allowClear options={[{ value: 'a', label: 'a' }]} />
          <Select._InternalPanelDoNotUseOrYouWillBeFired options={[{ value: 'a', label: 'a' }]} />
          <Descriptions size="small" bordered items={[{ key: 'a', label: 'a', children: 'a' }]} />
          <Timeline items={[{ children: 'a' }]} />
          <Collapse size="small" items={[{ key: 'a', label: 'a', children: 'a' }]} />
          <Typography.Text code copyable>
            a
          </Typography.Text>
          <Tooltip._InternalPanelDoNotUseOrYouWillBeFired title="a" />
          <Modal._InternalPanelDoNotUseOrYouWillBeFired title="a" />
          <message._InternalPanelDoNotUseOrYouWillBeFired type="success" content="a" />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
