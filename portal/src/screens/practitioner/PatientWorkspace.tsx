import { Stack, Tabs, Title } from '@mantine/core';
import { RecordList } from '../../components/RecordList';
import { strings } from '../../i18n/strings';
import { navigate } from '../../router';
import { BreakGlass } from './BreakGlass';
import { RequestAccess } from './RequestAccess';
import { UploadRecord } from './UploadRecord';

/** One patient, as a practitioner sees them: records (with a purpose), upload, request access, break-glass. */
export function PatientWorkspace({ patientId, tab }: { patientId: string; tab: string }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.records.patientTitle(patientId)}
      </Title>
      <Tabs
        value={tab}
        onChange={(v) => v && navigate(`/patient/${encodeURIComponent(patientId)}/${v}`)}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="records">{strings.practitioner.tabsRecords}</Tabs.Tab>
          <Tabs.Tab value="upload">{strings.practitioner.tabsUpload}</Tabs.Tab>
          <Tabs.Tab value="request">{strings.practitioner.tabsRequest}</Tabs.Tab>
          <Tabs.Tab value="break-glass">{strings.practitioner.tabsBreakGlass}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="records" pt="md">
          <RecordList
            patientId={patientId}
            purposes={['TREAT', 'ETREAT', 'HPAYMT', 'HRESCH']}
            title={strings.practitioner.tabsRecords}
          />
        </Tabs.Panel>
        <Tabs.Panel value="upload" pt="md">
          <UploadRecord patientId={patientId} />
        </Tabs.Panel>
        <Tabs.Panel value="request" pt="md">
          <RequestAccess patientId={patientId} />
        </Tabs.Panel>
        <Tabs.Panel value="break-glass" pt="md">
          <BreakGlass patientId={patientId} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
