import { Button, Card, Stack, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { strings } from '../../i18n/strings';
import { navigate } from '../../router';

/** Opens a patient by id. */
export function OpenPatient() {
  const [patientId, setPatientId] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (patientId.trim()) navigate(`/patient/${encodeURIComponent(patientId.trim())}/records`);
  };
  return (
    <Stack>
      <Title order={1} size="h2">
        {strings.practitioner.openTitle}
      </Title>
      <Card withBorder component="form" onSubmit={submit} maw={420}>
        <Stack>
          <TextInput
            label={strings.practitioner.patientId}
            value={patientId}
            onChange={(e) => setPatientId(e.currentTarget.value)}
            required
            name="patientId"
          />
          <Button type="submit">{strings.practitioner.open}</Button>
        </Stack>
      </Card>
    </Stack>
  );
}
