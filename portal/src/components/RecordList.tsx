import {
  Badge,
  Button,
  Card,
  Code,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { lazy, Suspense, useRef, useState } from 'react';
import { api, call, fetchBlob, saveBlob, type Schemas } from '../api/client';
import { strings } from '../i18n/strings';
import { ProblemAlert } from './ProblemAlert';
import { Empty, Loading } from './States';
import { useAction, useLoad } from './use-load';

// The DICOM viewer (dwv) is its own chunk, fetched only when an image is opened.
const DicomViewer = lazy(() => import('../viewer/DicomViewer'));

export const CATEGORIES = [
  'report',
  'prescription',
  'imaging',
  'lab-result',
  'discharge-summary',
  'device-observations',
  'other',
] as const satisfies readonly Schemas['Category'][];
export const PURPOSES = [
  'TREAT',
  'ETREAT',
  'HPAYMT',
  'HRESCH',
  'PATRQT',
] as const satisfies readonly Schemas['Purpose'][];

/** True when a list names every member of a union: the screens' lists fail the type check when the spec's vocabularies grow. */
export type ListsAll<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
const listsEveryCategory: ListsAll<Schemas['Category'], (typeof CATEGORIES)[number]> = true;
const listsEveryPurpose: ListsAll<Schemas['Purpose'], (typeof PURPOSES)[number]> = true;
void [listsEveryCategory, listsEveryPurpose];

type Purpose = Schemas['Purpose'];

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const isText = (mediaType: string) => /^text\/|json|xml/.test(mediaType);

/** DICOM header fields of a record, as a small definition list. */
export function ImagingFields({ imaging }: { imaging: Schemas['ImagingMetadata'] }) {
  const entries = Object.entries(imaging).filter(([, v]) => v !== undefined && v !== '');
  return (
    <SimpleGrid cols={{ base: 1, xs: 2 }} spacing={4} component="dl" m={0} data-testid="dicom-fields">
      {entries.map(([key, value]) => (
        <Group key={key} gap={4} wrap="nowrap">
          <Text component="dt" size="xs" fw={600}>
            {strings.records.imaging[key] ?? key}:
          </Text>
          <Text component="dd" size="xs" m={0}>
            {String(value)}
          </Text>
        </Group>
      ))}
    </SimpleGrid>
  );
}

/**
 * A patient's records the caller may see: a timeline filterable by category and modality; each record opens
 * (text shown, anything else offered as a download), downloads or, for DICOM, opens in the image viewer,
 * every time with a purpose (the patient's own: PATRQT).
 */
export function RecordList({
  patientId,
  purposes,
  title,
}: {
  patientId: string;
  purposes: readonly Purpose[];
  title: string;
}) {
  const [category, setCategory] = useState<string | null>(null);
  const [modality, setModality] = useState('');
  const [purpose, setPurpose] = useState<Purpose>(purposes[0]!);
  const [pages, setPages] = useState<Schemas['RecordMetadata'][][]>([]);
  const [bookmark, setBookmark] = useState('');
  const list = useLoad(async () => {
    const page = await call(
      api.GET('/v1/patients/{patientId}/records', {
        params: {
          path: { patientId },
          query: {
            category: (category ?? undefined) as Schemas['Category'] | undefined,
            modality: modality.trim() || undefined,
          },
        },
      }),
    );
    setPages([page.records]);
    setBookmark(page.bookmark);
    return page;
  }, [patientId, category, modality]);
  const more = useAction();
  const loadMore = () =>
    void more.run(async () => {
      const page = await call(
        api.GET('/v1/patients/{patientId}/records', {
          params: {
            path: { patientId },
            query: {
              category: (category ?? undefined) as Schemas['Category'] | undefined,
              modality: modality.trim() || undefined,
              bookmark,
            },
          },
        }),
      );
      setPages((p) => [...p, page.records]);
      setBookmark(page.bookmark);
    });
  const records = pages.flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <Stack>
      <Title order={1} size="h2">
        {title}
      </Title>
      <Group align="end" wrap="wrap">
        <Select
          label={strings.records.category}
          placeholder={strings.common.all}
          data={CATEGORIES.map((c) => ({ value: c, label: strings.categories[c] ?? c }))}
          value={category}
          onChange={setCategory}
          clearable
          w={200}
        />
        <TextInput
          label={strings.records.modality}
          placeholder={strings.records.modalityPlaceholder}
          value={modality}
          onChange={(e) => setModality(e.currentTarget.value)}
          w={140}
        />
        {purposes.length > 1 ? (
          <Select
            label={strings.practitioner.purposeForDownload}
            data={purposes.map((p) => ({ value: p, label: strings.purposes[p] ?? p }))}
            value={purpose}
            onChange={(v) => v && setPurpose(v as Purpose)}
            allowDeselect={false}
            w={220}
          />
        ) : null}
        <Button variant="default" onClick={list.reload}>
          {strings.common.refresh}
        </Button>
      </Group>
      <ProblemAlert error={list.error} />
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && records.length === 0 ? (
        <Empty label={strings.records.noRecords} />
      ) : null}
      <Stack gap="sm" component="ol" p={0} m={0} style={{ listStyle: 'none' }} aria-label={title}>
        {records.map((record) => (
          <li key={record.recordId}>
            <RecordCard record={record} purpose={purpose} />
          </li>
        ))}
      </Stack>
      {bookmark ? (
        <Button variant="default" onClick={loadMore} loading={more.busy}>
          {strings.common.more}
        </Button>
      ) : null}
      <ProblemAlert error={more.error} />
    </Stack>
  );
}

function RecordCard({ record, purpose }: { record: Schemas['RecordMetadata']; purpose: Purpose }) {
  const action = useAction();
  const [text, setText] = useState<string>();
  const [image, setImage] = useState<Blob>();
  const viewButton = useRef<HTMLButtonElement>(null);
  const dicom = record.mediaType === 'application/dicom';
  const content = () =>
    fetchBlob(`/v1/records/${encodeURIComponent(record.recordId)}/content?purpose=${purpose}`);
  const open = () =>
    void action.run(async () => {
      const { blob } = await content();
      if (dicom) setImage(blob);
      else if (isText(record.mediaType)) setText(await blob.text());
      else saveBlob(blob, record.title);
      return strings.records.opened(record.title);
    });
  const download = () =>
    void action.run(async () => {
      const { blob } = await content();
      saveBlob(blob, dicom ? `${record.title}.dcm` : record.title);
    });
  return (
    <Card withBorder padding="sm" data-testid="record" data-record-id={record.recordId}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <div>
          <Text fw={600}>{record.title}</Text>
          <Text size="xs" c="dark.6">
            {strings.records.created} {new Date(record.createdAt).toLocaleString()} · {strings.records.by}{' '}
            {record.createdBy} · {formatSize(record.size)}
          </Text>
        </div>
        <Group gap={6}>
          <Badge variant="filled" color="blue.9">
            {strings.categories[record.category] ?? record.category}
          </Badge>
          {dicom ? (
            <Badge variant="filled" color="grape.9">
              {strings.records.dicom}
            </Badge>
          ) : null}
        </Group>
      </Group>
      {record.imaging ? <ImagingFields imaging={record.imaging} /> : null}
      <Group gap="xs" mt="xs">
        <Button
          ref={viewButton}
          size="xs"
          onClick={open}
          loading={action.busy}
          aria-label={`${dicom ? strings.common.view : strings.common.open}: ${record.title}`}
        >
          {dicom ? strings.common.view : strings.common.open}
        </Button>
        <Button
          size="xs"
          variant="default"
          onClick={download}
          aria-label={`${strings.common.download}: ${record.title}`}
        >
          {strings.common.download}
        </Button>
      </Group>
      <ProblemAlert error={action.error} />
      {text !== undefined ? (
        <Code
          block
          mt="xs"
          data-testid="record-content"
          aria-label={strings.records.contentTitle}
          tabIndex={0}
        >
          {text}
        </Code>
      ) : null}
      <Modal
        opened={image !== undefined}
        onClose={() => setImage(undefined)}
        // The dialog opened while its button was busy (disabled, unfocused): give the focus back to the button.
        onExitTransitionEnd={() => {
          if (document.activeElement === null || document.activeElement === document.body)
            viewButton.current?.focus();
        }}
        title={`${strings.viewer.title}: ${record.title}`}
        size="xl"
        fullScreen={window.innerWidth < 600}
        closeButtonProps={{ 'aria-label': strings.common.close }}
      >
        {image ? (
          <Suspense fallback={<Loading label={strings.viewer.loading} />}>
            <DicomViewer data={image} />
          </Suspense>
        ) : null}
      </Modal>
    </Card>
  );
}
