@verifier
Feature: DDI compliance checking: the IRQL rules of the routines a driver calls, by their rule IDs

  With DDI compliance checking (0x20000, part of the standard settings) Verifier checks the IRQL
  rules of Static Driver Verifier at run time: a violation is 0xC4 with the rule's ID as parameter
  1 (IrqlExAllocatePool 0x00020004, IrqlExApcLte2 0x00020006, IrqlExPassive 0x00020008,
  IrqlIoApcLte 0x00020009, IrqlIoPassive1 0x0002000A, IrqlIoPassive3 0x0002000C, IrqlMmApcLte
  0x00020019, IrqlMmDispatch 0x0002001A: the routines the machine exposes that have a rule with a runtime ID), the
  address of the rule's condition as text, and its state. IrqlKeSetEvent (0x00020016) allows
  KeSetEvent up to DISPATCH_LEVEL with Wait FALSE and up to APC_LEVEL with Wait TRUE.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/devtest/ddi-compliance-checking,
  https://learn.microsoft.com/windows-hardware/drivers/devtest/wdm-irql-rules,
  https://learn.microsoft.com/windows-hardware/drivers/devtest/wdm-irqlmmapclte,
  https://learn.microsoft.com/windows-hardware/drivers/devtest/wdm-irqlmmdispatch,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And a driver "Other.sys" with a device "\Device\Other"
    And Driver Verifier is enabled for the driver with standard settings

  Scenario: paged pool asked for at DISPATCH_LEVEL: IrqlExAllocatePool
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL)                              |
      | p = ExAllocatePoolWithTag(PagedPool, 0x100, 0x74736554)   |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x00020004, *, *, 0)

  Scenario: nonpaged pool at DISPATCH_LEVEL keeps the rule
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL)                                |
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x100, 0x74736554) |
      | ExFreePool(p)                                              |
      | KeLowerIrql(PASSIVE_LEVEL)                                 |
    Then the machine is running

  Scenario: ProbeForRead at DISPATCH_LEVEL: IrqlExApcLte2
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL)  |
      | ProbeForRead(buf, 0x10, 1)   |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x00020006, *, *, 0)

  Scenario: MmAllocatePagesForMdlEx at DISPATCH_LEVEL: IrqlMmApcLte
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL)                                                        |
      | MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 0x1000, MmCached, 0)             |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x00020019, *, *, 0)

  Scenario: without DDI compliance checking (special pool only) the same probe runs
    Given Driver Verifier is enabled for the driver with flags 0x1
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL)  |
      | ProbeForRead(buf, 0x10, 1)   |
    Then the machine is running

  Scenario Outline: <call> above <limit>: <rule> (<id>)
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL) |
      | <call>                      |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (<id>, *, *, 0)

    Examples:
      | call                                      | limit         | rule          | id         |
      | ExRaiseStatus(STATUS_UNSUCCESSFUL)        | APC_LEVEL     | IrqlExPassive | 0x00020008 |
      | IoDeleteDevice(device("\Device\Other"))   | APC_LEVEL     | IrqlIoApcLte  | 0x00020009 |
      | ProbeForWrite(buf, 0x10, 1)               | APC_LEVEL     | IrqlExApcLte2 | 0x00020006 |

  @ddi:MmAllocateNonCachedMemory
  Scenario: MmAllocateNonCachedMemory at DISPATCH_LEVEL: IrqlMmApcLte
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL)           |
      | va = MmAllocateNonCachedMemory(0x1000) |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x00020019, *, *, 0)

  @ddi:MmFreeContiguousMemory
  Scenario: MmFreeContiguousMemory at DISPATCH_LEVEL keeps IrqlMmDispatch; above it breaks it
    When the driver calls:
      | a = MmAllocateContiguousMemory(0x1000, 0xFFFFFFFF) |
      | b = MmAllocateContiguousMemory(0x1000, 0xFFFFFFFF) |
      | KeRaiseIrql(DISPATCH_LEVEL)                        |
      | MmFreeContiguousMemory(a)                          |
    Then the machine is running
    When the driver calls:
      | KeRaiseIrql(DISPATCH_LEVEL + 1) |
      | MmFreeContiguousMemory(b)       |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x0002001A, *, *, 0)

  # https://learn.microsoft.com/windows-hardware/drivers/devtest/wdm-irqlkesetevent
  @ddi:KeSetEvent
  Scenario: KeSetEvent at DISPATCH_LEVEL keeps IrqlKeSetEvent with Wait FALSE, and breaks it with Wait TRUE (0x00020016)
    When the driver calls:
      | ev = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(KEVENT), 'tvEK') |
      | KeInitializeEvent(ev, SynchronizationEvent, FALSE)                  |
      | KeRaiseIrql(DISPATCH_LEVEL)                                         |
      | KeSetEvent(ev, IO_NO_INCREMENT, FALSE)                              |
    Then the machine is running
    When the driver calls:
      | KeSetEvent(ev, IO_NO_INCREMENT, TRUE) |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x00020016, *, *, 0)
