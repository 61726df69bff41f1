(define (problem blocksworld-p01)
  (:domain blocksworld)
  (:objects b1 b2 b3 - block)
  (:init
    (arm-empty)
    (on-table b2)
    (on b1 b2)
    (clear b1)
    (on-table b3)
    (clear b3))
  (:goal
    (and
      (on b3 b1))))
