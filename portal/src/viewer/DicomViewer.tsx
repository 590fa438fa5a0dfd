import { Button, Group, NumberInput, Slider, Stack, Text } from '@mantine/core';
import {
  App as DwvApp,
  AppOptions,
  Index,
  ToolConfig,
  ViewConfig,
  WindowLevel,
  type ViewController,
} from 'dwv';
import { useEffect, useId, useRef, useState } from 'react';
import { strings } from '../i18n/strings';

/** The dimension dwv scrolls through for the loaded image (frames of a multi-frame object, or slices). */
function scrollDimension(controller: ViewController): number {
  const size = controller.getImageSize();
  for (const dim of [2, 3]) if ((size.get(dim) ?? 1) > 1) return dim;
  return 2;
}

/**
 * A DICOM image viewer (dwv): uncompressed and JPEG baseline images, window/level by dragging or by value,
 * frames by slider, arrow keys or the mouse wheel. Loaded in its own chunk, only when an image is opened.
 */
export default function DicomViewer({ data }: { data: Blob }) {
  const divId = `dwv-${useId().replace(/[^a-zA-Z0-9]/g, '')}`;
  const appRef = useRef<DwvApp | undefined>(undefined);
  const controllerRef = useRef<ViewController | undefined>(undefined);
  const [frames, setFrames] = useState(1);
  const [frame, setFrame] = useState(0);
  const [wl, setWl] = useState<{ center: number; width: number }>();
  const [error, setError] = useState<string>();
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const app = new DwvApp();
    appRef.current = app;
    const options = new AppOptions({ '*': [new ViewConfig(divId)] });
    options.tools = { WindowLevel: new ToolConfig(), Scroll: new ToolConfig() };
    app.init(options);
    app.addEventListener('load', (event: { dataid: string }) => {
      const layer = app.getViewLayersByDataId(event.dataid)[0];
      const controller = layer?.getViewController();
      if (!controller) return;
      controllerRef.current = controller;
      setFrames(controller.getImageSize().get(scrollDimension(controller)) ?? 1);
      const current = controller.getWindowLevel();
      setWl({ center: current.center, width: current.width });
      app.setTool('WindowLevel');
      setReady(true);
    });
    app.addEventListener('wlchange', () => {
      const current = controllerRef.current?.getWindowLevel();
      if (current) setWl({ center: current.center, width: current.width });
    });
    app.addEventListener('positionchange', () => {
      const controller = controllerRef.current;
      if (controller) setFrame(controller.getCurrentIndex().get(scrollDimension(controller)) ?? 0);
    });
    // A file dwv cannot read, or a decoder that cannot be loaded: say so (the library's own words as detail).
    app.addEventListener('error', (event: { error?: { message?: string } }) =>
      setError(event.error?.message ?? ''),
    );
    app.loadFiles([new File([data], 'image.dcm', { type: 'application/dicom' })]);
    const resize = () => app.onResize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      app.reset();
      appRef.current = undefined;
      controllerRef.current = undefined;
    };
  }, [data, divId]);

  const goTo = (n: number) => {
    const controller = controllerRef.current;
    if (!controller) return;
    const values = controller.getCurrentIndex().getValues();
    values[scrollDimension(controller)] = Math.max(0, Math.min(frames - 1, n));
    controller.setCurrentIndex(new Index(values));
    setFrame(values[scrollDimension(controller)]!);
  };
  const setWindow = (center: number, width: number) => {
    controllerRef.current?.setWindowLevel(new WindowLevel(center, Math.max(1, width)));
    setWl({ center, width: Math.max(1, width) });
  };

  return (
    <Stack gap="xs" data-testid="dicom-viewer" data-ready={ready ? 'true' : 'false'} data-frames={frames}>
      <Text size="xs">{strings.viewer.help}</Text>
      <div
        id={divId}
        role="img"
        aria-label={strings.viewer.title}
        tabIndex={0}
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight' || e.key === 'ArrowDown') goTo(frame + 1);
          if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') goTo(frame - 1);
        }}
        style={{ width: '100%', height: 'min(60vh, 512px)', background: '#000', position: 'relative' }}
      />
      {error !== undefined ? (
        <div role="alert">
          <Text c="red.8" fw={600}>
            {strings.viewer.cannotShow}
          </Text>
          {error ? (
            <Text size="xs" c="dark.6">
              {error}
            </Text>
          ) : null}
        </div>
      ) : null}
      {frames > 1 ? (
        <div>
          <Text size="sm" id={`${divId}-frame`} data-testid="frame-label">
            {strings.viewer.frame(frame + 1, frames)}
          </Text>
          <Slider
            min={0}
            max={frames - 1}
            value={frame}
            onChange={goTo}
            label={(v) => v + 1}
            thumbLabel={strings.viewer.frame(frame + 1, frames)}
          />
        </div>
      ) : null}
      {wl ? (
        <Group align="end" wrap="wrap">
          <NumberInput
            label={strings.viewer.windowCenter}
            value={Math.round(wl.center)}
            onChange={(v) => typeof v === 'number' && setWindow(v, wl.width)}
            w={140}
            data-testid="window-center"
          />
          <NumberInput
            label={strings.viewer.windowWidth}
            value={Math.round(wl.width)}
            min={1}
            onChange={(v) => typeof v === 'number' && setWindow(wl.center, v)}
            w={140}
            data-testid="window-width"
          />
          <Button variant="default" onClick={() => controllerRef.current?.resetWindowLevel()}>
            {strings.viewer.reset}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}
