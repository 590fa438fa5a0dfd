import {
  Alert,
  Button,
  Card,
  FileInput,
  Progress,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { toProblem, type Schemas } from '../../api/client';
import { currentToken } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { CATEGORIES, ImagingFields } from '../../components/RecordList';
import { Success } from '../../components/States';
import { strings } from '../../i18n/strings';

/** A DICOM Part 10 file has "DICM" after a 128-byte preamble. */
async function isDicom(file: File): Promise<boolean> {
  const magic = new Uint8Array(await file.slice(128, 132).arrayBuffer());
  return String.fromCharCode(...magic) === 'DICM';
}

/** Sends fields, then the file (the gateway streams it through encryption), reporting progress. */
function upload(
  patientId: string,
  form: FormData,
  onProgress: (pct: number) => void,
): Promise<Schemas['RecordMetadata']> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/patients/${encodeURIComponent(patientId)}/records`);
    const token = currentToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Idempotency-Key', crypto.randomUUID());
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onerror = () =>
      reject(
        toProblem(
          { status: 0, detail: 'network error', code: 'NETWORK' },
          new Response(null, { status: 599 }),
        ),
      );
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Schemas['RecordMetadata']);
      else
        reject(
          toProblem(
            body,
            new Response(null, {
              status: xhr.status,
              headers: { 'x-request-id': xhr.getResponseHeader('x-request-id') ?? '' },
            }),
          ),
        );
    };
    xhr.send(form);
  });
}

/** Upload a file for a patient: title and category, then the file; DICOM is recognised and its header fields shown. */
export function UploadRecord({ patientId }: { patientId: string }) {
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState<string | null>('report');
  const [file, setFile] = useState<File | null>(null);
  const [dicom, setDicom] = useState(false);
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<unknown>();
  const [uploaded, setUploaded] = useState<Schemas['RecordMetadata']>();

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setUploaded(undefined);
    if (!chosen) return setDicom(false);
    void isDicom(chosen).then((yes) => {
      setDicom(yes);
      if (yes) setCategory('imaging');
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file || !category) return;
    const form = new FormData();
    // Fields first: the gateway reads them before it streams the file.
    form.append('title', title.trim());
    form.append('category', category);
    form.append('mediaType', dicom ? 'application/dicom' : file.type || 'application/octet-stream');
    form.append('file', file, file.name);
    setError(undefined);
    setUploaded(undefined);
    setProgress(0);
    upload(patientId, form, setProgress).then(
      (record) => {
        setUploaded(record);
        setProgress(undefined);
      },
      (e: unknown) => {
        setError(e);
        setProgress(undefined);
      },
    );
  };
  return (
    <Card withBorder component="form" onSubmit={submit} maw={560}>
      <Stack>
        <Title order={2} size="h4">
          {strings.practitioner.uploadTitle}
        </Title>
        <TextInput
          label={strings.practitioner.title}
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          required
          maxLength={200}
          name="title"
        />
        <Select
          label={strings.practitioner.category}
          data={CATEGORIES.filter((c) => c !== 'device-observations').map((c) => ({
            value: c,
            label: strings.categories[c] ?? c,
          }))}
          value={category}
          onChange={setCategory}
          allowDeselect={false}
        />
        <FileInput
          label={strings.practitioner.file}
          value={file}
          onChange={choose}
          required
          clearable
          clearButtonProps={{ 'aria-label': strings.practitioner.clearFile }}
          name="file"
        />
        {dicom ? (
          <Alert color="grape" variant="light" data-testid="dicom-detected">
            {strings.practitioner.dicomDetected}
            {uploaded?.imaging ? <ImagingFields imaging={uploaded.imaging} /> : null}
          </Alert>
        ) : null}
        {progress !== undefined ? (
          <div>
            <Progress value={progress} aria-label={strings.practitioner.progress(progress)} />
            <Text size="xs">{strings.practitioner.progress(progress)}</Text>
          </div>
        ) : null}
        <ProblemAlert error={error} />
        <Success message={uploaded ? strings.practitioner.uploaded(uploaded.recordId) : undefined} />
        <Button type="submit" loading={progress !== undefined}>
          {strings.practitioner.upload}
        </Button>
      </Stack>
    </Card>
  );
}
