/**
 * The LOINC-coded vital signs a device may post, with the UCUM units accepted for each (HL7 FHIR R4
 * vital signs profile codes). A closed list keeps device data comparable and consent scopes meaningful.
 */
export const VITAL_SIGNS: Record<string, { display: string; units: readonly string[] }> = {
  '8867-4': { display: 'Heart rate', units: ['/min'] },
  '9279-1': { display: 'Respiratory rate', units: ['/min'] },
  '59408-5': { display: 'Oxygen saturation in Arterial blood by Pulse oximetry', units: ['%'] },
  '2708-6': { display: 'Oxygen saturation in Arterial blood', units: ['%'] },
  '8310-5': { display: 'Body temperature', units: ['Cel', '[degF]'] },
  '8480-6': { display: 'Systolic blood pressure', units: ['mm[Hg]'] },
  '8462-4': { display: 'Diastolic blood pressure', units: ['mm[Hg]'] },
  '29463-7': { display: 'Body weight', units: ['kg', 'g', '[lb_av]'] },
  '8302-2': { display: 'Body height', units: ['cm', 'm', '[in_i]'] },
  '39156-5': { display: 'Body mass index (BMI) [Ratio]', units: ['kg/m2'] },
  '8287-5': { display: 'Head Occipital-frontal circumference by Tape measure', units: ['cm', '[in_i]'] },
};

export function isVitalSign(code: string): boolean {
  return Object.hasOwn(VITAL_SIGNS, code);
}
