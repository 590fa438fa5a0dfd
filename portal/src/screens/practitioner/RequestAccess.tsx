import { Button, Card, MultiSelect, Select, Stack, Textarea, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, call, type Schemas } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { CATEGORIES, PURPOSES } from '../../components/RecordList';
import { Success } from '../../components/States';
import { useAction } from '../../components/use-load';
import { strings } from '../../i18n/strings';

/** Ask the patient for access: purpose, kinds of records, reason. The status shows under "My access requests". */
export function RequestAccess({ patientId }: { patientId: string }) {
  const [purpose, setPurpose] = useState<string>('TREAT');
  const [categories, setCategories] = useState<string[]>(['report', 'imaging']);
  const [reason, setReason] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await call(
        api.POST('/v1/patients/{patientId}/access-requests', {
          params: { path: { patientId } },
          body: {
            purpose: purpose as Schemas['Purpose'],
            scope: { categories: categories as Schemas['Category'][] },
            reason: reason.trim(),
          },
        }),
      );
      return strings.practitioner.sent;
    });
  };
  return (
    <Card withBorder component="form" onSubmit={submit} maw={560}>
      <Stack>
        <Title order={2} size="h4">
          {strings.practitioner.requestTitle}
        </Title>
        <Select
          label={strings.practitioner.purpose}
          data={PURPOSES.filter((p) => p !== 'PATRQT').map((p) => ({
            value: p,
            label: strings.purposes[p] ?? p,
          }))}
          value={purpose}
          onChange={(v) => v && setPurpose(v)}
          allowDeselect={false}
        />
        <MultiSelect
          label={strings.practitioner.scopeCategories}
          data={CATEGORIES.map((c) => ({ value: c, label: strings.categories[c] ?? c }))}
          value={categories}
          onChange={setCategories}
          required
        />
        <Textarea
          label={strings.practitioner.reason}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          required
          maxLength={500}
        />
        <ProblemAlert error={action.error} />
        <Success message={action.message} />
        <Button type="submit" loading={action.busy}>
          {strings.practitioner.send}
        </Button>
      </Stack>
    </Card>
  );
}
