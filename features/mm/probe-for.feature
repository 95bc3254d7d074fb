@mm
Feature: ProbeForRead and ProbeForWrite check a user range before a driver touches it

  Both raise STATUS_DATATYPE_MISALIGNMENT for a misaligned address and STATUS_ACCESS_VIOLATION for a
  range that ends above MmUserProbeAddress or wraps; a zero length checks nothing. ProbeForRead
  touches no page; ProbeForWrite reads and writes back one byte of every page, so it faults pages
  in and fails on read-only pages.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-probeforread,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-probeforwrite,
  ReactOS ntoskrnl/ex/exintrin.c (https://github.com/reactos/reactos/blob/master/ntoskrnl/ex/exintrin.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x2000 of PAGE_READWRITE memory as buf
    And "app" allocates 0x1000 of PAGE_READONLY memory as ro
    And PageFaults is noted as faults0

  @ddi:ProbeForRead @ddi:ProbeForWrite
  Scenario Outline: <probe>(<address>, <length>, <alignment>) raises <status>
    When the driver calls <probe>(<address>, <length>, <alignment>) inside __try
    Then the driver's __except caught <status>

    Examples:
      | probe         | address                  | length | alignment | status                       |
      | ProbeForRead  | buf                      | 0x2000 | 4         | nothing                      |
      | ProbeForRead  | buf + 2                  | 0x10   | 4         | STATUS_DATATYPE_MISALIGNMENT |
      | ProbeForRead  | buf + 2                  | 0      | 4         | nothing                      |
      | ProbeForRead  | MmUserProbeAddress - 0x10 | 0x20  | 1         | STATUS_ACCESS_VIOLATION      |
      | ProbeForRead  | MmUserProbeAddress - 0x10 | 0x10  | 1         | nothing                      |
      | ProbeForRead  | 0xFFFFF88000000000       | 0x10   | 1         | STATUS_ACCESS_VIOLATION      |
      | ProbeForRead  | 0xFFFFFFFFFFFFFFF0       | 0x20   | 1         | STATUS_ACCESS_VIOLATION      |
      | ProbeForWrite | buf                      | 0x2000 | 8         | nothing                      |
      | ProbeForWrite | buf + 4                  | 0x10   | 8         | STATUS_DATATYPE_MISALIGNMENT |
      | ProbeForWrite | ro                       | 0x10   | 1         | STATUS_ACCESS_VIOLATION      |
      | ProbeForWrite | 0xFFFFF88000000000       | 0x10   | 1         | STATUS_ACCESS_VIOLATION      |
      | ProbeForWrite | ro                       | 0      | 1         | nothing                      |

  @ddi:ProbeForRead
  Scenario: ProbeForRead touches no page: an unallocated range inside user space passes
    When the driver calls ProbeForRead(0x10000000, 0x1000, 1) inside __try
    Then the driver's __except caught nothing
    And PageFaults is faults0

  @ddi:ProbeForWrite
  Scenario: ProbeForWrite faults every page in and leaves it dirty
    When the driver calls ProbeForWrite(buf, 0x2000, 1) inside __try
    Then the driver's __except caught nothing
    And PageFaults is faults0 + 2
    And pte(buf)->Valid is 1
    And pte(buf + 0x1000)->Dirty is 1
